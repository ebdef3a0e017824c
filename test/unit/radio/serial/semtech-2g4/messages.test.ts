import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MalformedMessageError } from '../../../../../src/radio/serial/errors.js';
import {
  decodeConfigRxRequest,
  decodeMsgReceive,
  decodePingAck,
  decodeResetRequest,
  decodeRxMsgAck,
  decodeStatusAck,
  decodeStatusByte,
  encodeConfigRxRequest,
  encodeMsgReceive,
  encodePingAck,
  encodeResetRequest,
  encodeRxMsgAck,
  encodeStatusAck,
  firmwareOf,
  orderName,
  preambleFor,
} from '../../../../../src/radio/serial/semtech-2g4/messages.js';

const bytes = (...values: number[]): Buffer => Buffer.from(values);

test('PING ack: 12-byte UID as three BE words, 9-char version, TX and RX radio counts', () => {
  const payload = Buffer.concat([
    bytes(0x00, 0x43, 0x00, 0x32, 0x34, 0x36, 0x51, 0x05, 0x20, 0x36, 0x33, 0x58),
    Buffer.from('V01.00.01', 'latin1'),
    bytes(1, 3),
  ]);
  const ack = decodePingAck(payload);
  assert.equal(ack, { uniqueId: [0x00430032, 0x34365105, 0x20363358], version: 'V01.00.01', txRadios: 1, rxRadios: 3 });
  assert.is(firmwareOf(ack.version), '01.00.01');
  assert.equal(encodePingAck(ack), payload);
});

test('PING ack: a NUL-padded version is trimmed; a wrong length is refused', () => {
  const payload = Buffer.alloc(23);
  payload.write('V1.2', 12, 'latin1');
  assert.is(decodePingAck(payload).version, 'V1.2');
  assert.throws(() => decodePingAck(Buffer.alloc(22)), (error: Error) => error instanceof MalformedMessageError && /23 bytes, got 22/.test(error.message));
});

test('GET_STATUS ack with an external sensor (hundredths of a degree) and three radios', () => {
  const payload = bytes(
    0x00, 0x01, 0x02, 0x03, // system time ms
    0xff, 0xff, 0xff, 0xfe, // precise timer µs
    0x01, // PPS locked
    0x00, 0x00, 0x10, 0x00, // PPS time
    0x01, 0x0a, 0x8c, 0x00, // external: 0x0A8C = 2700 -> 27.00 °C
    0x00, 0x05, 0x00, 0x01, // radio 0: 5 ok, 1 error
    0x01, 0x00, 0x00, 0x00, // radio 1: 256 ok
    0xff, 0xff, 0x00, 0x02, // radio 2: 65535 ok, 2 errors
  );
  const status = decodeStatusAck(payload);
  assert.equal(status, {
    systemTimeMs: 0x00010203,
    preciseTimeUs: 0xfffffffe,
    pps: 'locked',
    ppsTimeUs: 0x1000,
    temperature: { source: 'external', celsius: 27 },
    radios: [
      { crcOk: 5, crcError: 1 },
      { crcOk: 256, crcError: 0 },
      { crcOk: 65535, crcError: 2 },
    ],
  });
  assert.equal(encodeStatusAck(status), payload);
});

test('GET_STATUS ack with the MCU sensor (signed whole degrees), and bad lengths or PPS values', () => {
  const payload = Buffer.alloc(17);
  payload[8] = 2;
  payload[16] = 0xf6; // -10 °C
  const status = decodeStatusAck(payload);
  assert.equal(status.temperature, { source: 'mcu', celsius: -10 });
  assert.is(status.pps, 'lock-lost');
  assert.equal(status.radios, []);
  assert.throws(() => decodeStatusAck(Buffer.alloc(18)), /17 \+ 4 x radios bytes, got 18/);
  assert.throws(() => decodeStatusAck(Buffer.alloc(16)), (error: Error) => error instanceof MalformedMessageError);
  const badPps = Buffer.alloc(17);
  badPps[8] = 3;
  assert.throws(() => decodeStatusAck(badPps), /unknown PPS status 3/);
});

test('CONFIG_RX request: radio, frequency BE, preamble BE, SF, BW code, IQ, sync word', () => {
  const encoded = encodeConfigRxRequest({
    radio: 0,
    frequency: 2_403_000_000,
    preambleLength: 8,
    spreadingFactor: 12,
    bandwidthCode: 12,
    invertIq: false,
    syncWord: 0x21,
  });
  assert.equal([...encoded], [0x00, 0x8f, 0x3a, 0xde, 0xc0, 0x00, 0x08, 12, 12, 0x00, 0x21]);
  assert.equal(decodeConfigRxRequest(encoded), {
    radio: 0,
    frequency: 2_403_000_000,
    preambleLength: 8,
    spreadingFactor: 12,
    bandwidthCode: 12,
    invertIq: false,
    syncWord: 0x21,
  });
  assert.throws(() => decodeConfigRxRequest(Buffer.alloc(10)), /11 bytes/);
});

test('preamble is 12 symbols for SF5/SF6 and 8 otherwise', () => {
  assert.equal([5, 6, 7, 12].map(preambleFor), [12, 12, 8, 8]);
});

test('single status byte acks and the RESET request', () => {
  assert.is(decodeStatusByte(bytes(2), 'CONFIG_RX ack'), 2);
  assert.throws(() => decodeStatusByte(bytes(), 'CONFIG_RX ack'), /CONFIG_RX ack must be 1 bytes, got 0/);
  assert.equal([...encodeResetRequest(8)], [8]);
  assert.is(decodeResetRequest(bytes(1)), 1);
  assert.throws(() => decodeResetRequest(bytes(9)), /unknown type 9/);
});

test('GET_RX_MSG ack: count, total bytes BE, pending flag, lost count', () => {
  const ack = decodeRxMsgAck(bytes(0x02, 0x00, 0x18, 0x01, 0x03));
  assert.equal(ack, { count: 2, totalBytes: 24, pending: true, lost: 3 });
  assert.equal([...encodeRxMsgAck(ack)], [0x02, 0x00, 0x18, 0x01, 0x03]);
  assert.throws(() => decodeRxMsgAck(bytes(1, 2, 3, 4)), /5 bytes, got 4/);
});

test('MSG_RECEIVE event: radio, µs timestamp, signed frequency error, signed SNR and RSSI, length, payload', () => {
  const payload = bytes(
    0x01, // radio 1
    0xff, 0xff, 0xff, 0xf0, // timestamp
    0xff, 0xff, 0xfb, 0x50, // -1200 Hz
    0xf9, // SNR -7
    0xa1, // RSSI -95
    0x03, 0x61, 0x62, 0x63, // "abc"
  );
  const message = decodeMsgReceive(payload);
  assert.equal(message, {
    radio: 1,
    timestampUs: 0xfffffff0,
    frequencyErrorHz: -1200,
    snr: -7,
    rssi: -95,
    payload: Buffer.from('abc'),
  });
  assert.equal(encodeMsgReceive(message), payload);
});

test('MSG_RECEIVE event: short or inconsistent events are refused with the reason', () => {
  assert.throws(() => decodeMsgReceive(Buffer.alloc(11)), /at least 12 bytes, got 11/);
  const lying = Buffer.alloc(14);
  lying[11] = 5;
  assert.throws(() => decodeMsgReceive(lying), /announces a 5-byte payload but carries 2/);
  assert.throws(() => encodeMsgReceive({ radio: 0, timestampUs: 0, frequencyErrorHz: 0, snr: 0, rssi: 0, payload: Buffer.alloc(256) }), /255/);
});

test('order names for logs', () => {
  assert.is(orderName(0x00), 'PING');
  assert.is(orderName(0x45), 'GET_RX_MSG_ACK');
  assert.is(orderName(0x81), 'EVT_MSG_RECEIVE');
  assert.is(orderName(0xff), 'UNKNOWN_COMMAND');
  assert.is(orderName(0x33), '0x33');
});

test.run();
