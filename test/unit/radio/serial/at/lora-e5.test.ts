import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hzToMhzText } from '../../../../../src/radio/serial/at/dialect.js';
import { loraE5, parseLoraE5Line as parse } from '../../../../../src/radio/serial/at/lora-e5.js';

test('replies to the configuration commands', () => {
  assert.equal(parse('+AT: OK'), { kind: 'ok', text: '+AT: OK' });
  assert.equal(parse('+MODE: TEST'), { kind: 'value', text: '+MODE: TEST', key: 'MODE', value: 'TEST' });
  const rfcfg = '+TEST: RFCFG F:868100000, SF7, BW125K, TXPR:8, RXPR:8, POW:14dBm, CRC:ON, IQ:OFF, NET:ON';
  assert.equal(parse(rfcfg), { kind: 'value', text: rfcfg, key: 'TEST', value: rfcfg.slice('+TEST: '.length) });
  assert.equal(parse('+TEST: RXLRPKT'), { kind: 'value', text: '+TEST: RXLRPKT', key: 'TEST', value: 'RXLRPKT' });
  // Some firmware pads lines with spaces.
  assert.equal(parse('+MODE: TEST      '), { kind: 'value', text: '+MODE: TEST', key: 'MODE', value: 'TEST' });
});

test('error replies carry the code and its meaning', () => {
  const line = parse('+MODE: ERROR(-12)');
  assert.is(line.kind, 'error');
  assert.is(line.kind === 'error' && line.reason, 'MODE ERROR(-12): command not available in the current mode');
  const other = parse('+TEST: ERROR(-99)');
  assert.is(other.kind === 'error' && other.reason, 'TEST ERROR(-99): unknown error code');
});

test('a packet is a metadata line followed by a quoted hex line', () => {
  assert.equal(parse('+TEST: LEN:12, RSSI:-45, SNR:9'), { kind: 'rx-meta', text: '+TEST: LEN:12, RSSI:-45, SNR:9', length: 12, rssi: -45, snr: 9 });
  assert.equal(parse('+TEST: LEN:3,RSSI:-120,SNR:-17.5').kind, 'rx-meta');
  const rx = parse('+TEST: RX "4C4f5241"');
  assert.is(rx.kind, 'rx');
  assert.equal(rx.kind === 'rx' && [...rx.payload], [0x4c, 0x4f, 0x52, 0x41]);
  assert.equal(rx.kind === 'rx' && [rx.rssi, rx.snr], [undefined, undefined]);
  assert.equal(parse('+TEST: RX ""').kind === 'rx' && (parse('+TEST: RX ""') as { payload: Buffer }).payload.length, 0);
});

test('broken packet lines are malformed, not packets', () => {
  assert.is(parse('+TEST: LEN:12').kind, 'malformed');
  assert.is(parse('+TEST: LEN:12, RSSI:x, SNR:9').kind, 'malformed');
  assert.is(parse('+TEST: RX "ABC"').kind, 'malformed');
  assert.is(parse('+TEST: RX "GG"').kind, 'malformed');
  assert.is(parse('+TEST: RX 0102').kind, 'malformed');
});

test('echoes, informational and unknown lines', () => {
  assert.is(parse('AT+MODE=TEST').kind, 'echo');
  assert.equal(parse('+INFO: Input timeout'), { kind: 'value', text: '+INFO: Input timeout', key: 'INFO', value: 'Input timeout' });
  assert.is(parse('\u0000#junk').kind, 'unknown');
  assert.is(parse('hello').kind, 'unknown');
});

test('the configure sequence and the arm command, as sent', () => {
  const settings = { frequency: 868_100_000, spreadingFactor: 7, bandwidth: 125_000 };
  assert.equal(
    loraE5.configure(settings).map((command) => command.text),
    ['AT', 'AT+MODE=TEST', 'AT+TEST=RFCFG,868.1,SF7,125,8,8,14,ON,OFF,ON'],
  );
  assert.is(loraE5.arm().text, 'AT+TEST=RXLRPKT');
  assert.is(loraE5.configure({ frequency: 923_300_000, spreadingFactor: 10, bandwidth: 500_000 })[2].text, 'AT+TEST=RFCFG,923.3,SF10,500,8,8,14,ON,OFF,ON');
});

test('each command recognises its own reply, and only that', () => {
  const [at, mode, rfcfg] = loraE5.configure({ frequency: 868_100_000, spreadingFactor: 7, bandwidth: 125_000 });
  assert.is(at.accept(parse('+AT: OK')), 'done');
  assert.is(mode.accept(parse('+MODE: TEST')), 'done');
  assert.is(mode.accept(parse('+MODE: LWOTAA')), undefined);
  assert.is(mode.accept(parse('+MODE: ERROR(-1)')), 'rejected');
  assert.is(rfcfg.accept(parse('+TEST: RFCFG F:868100000, SF7, BW125K, TXPR:8, RXPR:8, POW:14dBm, CRC:ON, IQ:OFF, NET:ON')), 'done');
  // The modem confirming other settings than asked for is a refusal.
  assert.is(rfcfg.accept(parse('+TEST: RFCFG F:868300000, SF7, BW125K, TXPR:8, RXPR:8, POW:14dBm, CRC:ON, IQ:OFF, NET:ON')), 'rejected');
  assert.is(rfcfg.accept(parse('+TEST: RFCFG F:868100000, SF8, BW125K, TXPR:8, RXPR:8, POW:14dBm, CRC:ON, IQ:OFF, NET:ON')), 'rejected');
  assert.is(rfcfg.accept(parse('+TEST: RXLRPKT')), undefined);
  assert.is(rfcfg.accept(parse('+AT: OK')), undefined);
  assert.is(loraE5.arm().accept(parse('+TEST: RXLRPKT')), 'done');
  assert.is(loraE5.arm().accept(parse('+TEST: LEN:1, RSSI:-1, SNR:1')), undefined);
});

test('MHz text for RFCFG without float artefacts', () => {
  assert.equal([868_100_000, 868_000_000, 869_525_000, 433_175_000, 902_300_000].map(hzToMhzText), ['868.1', '868', '869.525', '433.175', '902.3']);
});

test.run();
