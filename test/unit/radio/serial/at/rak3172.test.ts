import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRak3172Line as parse, rak3172 } from '../../../../../src/radio/serial/at/rak3172.js';

test('OK and the AT_ error words', () => {
  assert.equal(parse('OK'), { kind: 'ok', text: 'OK' });
  assert.equal(parse('AT_PARAM_ERROR'), { kind: 'error', text: 'AT_PARAM_ERROR', reason: 'AT_PARAM_ERROR: parameter is invalid' });
  assert.equal(parse('AT_BUSY_ERROR'), { kind: 'error', text: 'AT_BUSY_ERROR', reason: 'AT_BUSY_ERROR: modem is busy' });
  assert.equal(parse('AT_COMMAND_NOT_FOUND').kind, 'error');
  assert.equal(parse('AT_SOMETHING_NEW'), { kind: 'error', text: 'AT_SOMETHING_NEW', reason: 'AT_SOMETHING_NEW: error' });
});

test('a P2P packet event carries RSSI, SNR and the payload', () => {
  const line = parse('+EVT:RXP2P:-28:5:48656C6C6F2052616B33313732');
  assert.is(line.kind, 'rx');
  if (line.kind !== 'rx') return;
  assert.is(line.payload.toString(), 'Hello Rak3172');
  assert.equal([line.rssi, line.snr], [-28, 5]);
  const negativeSnr = parse('+EVT:RXP2P:-112:-7:00');
  assert.equal(negativeSnr.kind === 'rx' && [negativeSnr.rssi, negativeSnr.snr, negativeSnr.payload.length], [-112, -7, 1]);
});

test('timeout and receive error events', () => {
  assert.equal(parse('+EVT:RXP2P RECEIVE TIMEOUT'), { kind: 'rx-timeout', text: '+EVT:RXP2P RECEIVE TIMEOUT' });
  assert.equal(parse('+EVT:RXP2P RECEIVE ERROR'), { kind: 'rx-error', text: '+EVT:RXP2P RECEIVE ERROR', rearm: false });
});

test('broken packet events are malformed', () => {
  assert.is(parse('+EVT:RXP2P:-28:5:ABC').kind, 'malformed');
  assert.is(parse('+EVT:RXP2P:x:5:AB').kind, 'malformed');
  assert.is(parse('+EVT:RXP2P:-28:AB').kind, 'malformed');
});

test('echo, reboot banner, other events, unknown lines', () => {
  assert.is(parse('AT+PFREQ=868100000').kind, 'echo');
  assert.is(parse('AT').kind, 'echo');
  assert.is(parse('Current Work Mode: LoRa P2P.').kind, 'boot');
  assert.equal(parse('+EVT:TXP2P DONE'), { kind: 'value', text: '+EVT:TXP2P DONE', key: 'EVT', value: 'TXP2P DONE' });
  assert.is(parse('\u0000zz').kind, 'unknown');
});

test('the configure sequence and the arm command, as sent', () => {
  assert.equal(
    rak3172.configure({ frequency: 868_100_000, spreadingFactor: 9, bandwidth: 250_000 }).map((command) => command.text),
    ['AT', 'AT+NWM=0', 'AT+PFREQ=868100000', 'AT+PSF=9', 'AT+PBW=250', 'AT+PCR=0', 'AT+PPL=8', 'AT+PTP=14'],
  );
  assert.is(rak3172.arm().text, 'AT+PRECV=65534');
  assert.is(rak3172.rearmAfterPacket, false);
});

test('commands take OK as done, an error word as refusal, and nothing else', () => {
  const command = rak3172.arm();
  assert.is(command.accept(parse('OK')), 'done');
  assert.is(command.accept(parse('AT_PARAM_ERROR')), 'rejected');
  assert.is(command.accept(parse('+EVT:RXP2P RECEIVE TIMEOUT')), undefined);
  assert.is(command.accept(parse('+EVT:RXP2P:-28:5:AB')), undefined);
  // The work-mode switch may reboot the module: it gets a longer deadline.
  assert.is(rak3172.configure({ frequency: 868_100_000, spreadingFactor: 7, bandwidth: 125_000 })[1].timeoutMs, 5000);
});

test.run();
