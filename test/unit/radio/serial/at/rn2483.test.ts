import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRn2483Line as parse, rn2483 } from '../../../../../src/radio/serial/at/rn2483.js';

test('ok and the error words', () => {
  assert.equal(parse('ok'), { kind: 'ok', text: 'ok' });
  assert.equal(parse('invalid_param'), { kind: 'error', text: 'invalid_param', reason: 'invalid_param' });
  assert.equal(parse('busy').kind, 'error');
});

test('radio_rx carries the payload (two spaces on the wire, one tolerated)', () => {
  const line = parse('radio_rx  48656C6C6F');
  assert.is(line.kind === 'rx' && line.payload.toString(), 'Hello');
  assert.equal(line.kind === 'rx' && [line.rssi, line.snr], [undefined, undefined]);
  assert.is(parse('radio_rx 00FF').kind, 'rx');
  assert.is(parse('radio_rx  486').kind, 'malformed');
  assert.is(parse('radio_rx').kind, 'malformed');
});

test('radio_err ends a reception and asks for re-arming', () => {
  assert.equal(parse('radio_err'), { kind: 'rx-error', text: 'radio_err', rearm: true });
});

test('numbers, the banner, echoes, unknown lines', () => {
  assert.equal(parse('4294967245'), { kind: 'value', text: '4294967245', value: '4294967245' });
  assert.equal(parse('-5'), { kind: 'value', text: '-5', value: '-5' });
  assert.is(parse('RN2483 1.0.5 Oct 31 2018 10:54:15').kind, 'boot');
  assert.is(parse('radio set freq 868100000').kind, 'echo');
  assert.is(parse('mac_rx 1 AB').kind, 'unknown');
});

test('the configure sequence, the arm command and the metadata queries, as sent', () => {
  assert.equal(
    rn2483.configure({ frequency: 868_100_000, spreadingFactor: 12, bandwidth: 125_000 }).map((command) => command.text),
    [
      'sys get ver',
      'mac pause',
      'radio rxstop',
      'radio set mod lora',
      'radio set freq 868100000',
      'radio set sf sf12',
      'radio set bw 125',
      'radio set cr 4/5',
      'radio set crc on',
      'radio set iqi off',
      'radio set sync 34',
      'radio set prlen 8',
      'radio set wdt 0',
    ],
  );
  assert.is(rn2483.arm().text, 'radio rx 0');
  assert.is(rn2483.rearmAfterPacket, true);
  const queries = rn2483.metadataQueries?.();
  assert.equal([queries?.snr.text, queries?.rssi.text], ['radio get snr', 'radio get rssi']);
});

test('each command recognises its own reply', () => {
  const [version, pause, rxstop, mod] = rn2483.configure({ frequency: 868_100_000, spreadingFactor: 7, bandwidth: 125_000 });
  assert.is(version.accept(parse('RN2483 1.0.5 Oct 31 2018 10:54:15')), 'done');
  assert.is(pause.accept(parse('4294967245')), 'done');
  assert.is(pause.accept(parse('ok')), undefined);
  // Old firmware without rxstop refuses it; that is fine.
  assert.is(rxstop.accept(parse('invalid_param')), 'done');
  assert.is(mod.accept(parse('ok')), 'done');
  assert.is(mod.accept(parse('invalid_param')), 'rejected');
  const snr = rn2483.metadataQueries?.().snr;
  assert.is(snr?.accept(parse('-5')), 'done');
  assert.is(snr?.accept(parse('radio_err')), undefined);
  assert.is(rn2483.arm().accept(parse('busy')), 'rejected');
});

test.run();
