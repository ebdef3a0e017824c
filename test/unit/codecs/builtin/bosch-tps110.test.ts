// Bosch TPS110 parking sensor, fPorts 1..6.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findBuiltinCodec } from '../../../../src/codecs/builtin/index.js';

const codec = findBuiltinCodec('bosch-tps110')!;
const decode = (fPort: number, bytes: number[]) => codec.decodeUplink({ bytes, fPort, recvTime: new Date(0) });

test('fPort 1 parking status: only bit 0 counts', () => {
  assert.equal(decode(1, [0x01]), { data: { type: 'parking status', occupied: true }, warnings: [], errors: [] });
  assert.equal(decode(1, [0xfe]).data, { type: 'parking status', occupied: false });
});

test('fPort 2 heartbeat: temperature is a signed byte and optional', () => {
  assert.equal(decode(2, [1, 255]).data, { type: 'heartbeat', occupied: true, temperature: -1 });
  assert.equal(decode(2, [0, 0x80]).data, { type: 'heartbeat', occupied: false, temperature: -128 });
  assert.equal(decode(2, [0, 25]).data, { type: 'heartbeat', occupied: false, temperature: 25 });
  assert.equal(decode(2, [1]).data, { type: 'heartbeat', occupied: true });
});

test('fPort 3 startup: 12-bit debug codes (zeros dropped), firmware, reset cause, occupancy', () => {
  // code 0 at offset 0: 0x24 | (0x03 & 0x0F) << 8 = 804; high nibble of byte 1 ignored
  const bytes = [0x24, 0xf3, 0, 0, 0, 0, 0, 0, 0xff, 0x0f, 0, 0, 1, 29, 2, 2, 0];
  assert.equal(decode(3, bytes), {
    data: { type: 'startup', debugCodes: [804, 4095], firmwareVersion: '1.29.2', resetCause: 'power on', occupied: false },
    warnings: [],
    errors: [],
  });
  const causes = [1, 3, 4].map((c) => (decode(3, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, c, 1]).data as Record<string, unknown>).resetCause);
  assert.equal(causes, ['watchdog', 'system request', 'other']);
});

test('fPort 3 vendor example', () => {
  assert.equal(decode(3, [0x24, 3, 0, 0, 0x75, 3, 0, 0, 0, 0, 0, 0, 0, 29, 2, 3, 1]).data, {
    type: 'startup',
    debugCodes: [804, 885],
    firmwareVersion: '0.29.2',
    resetCause: 'system request',
    occupied: true,
  });
});

test('fPort 3 undefined reset cause: key left out, warning', () => {
  const r = decode(3, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 9, 1]);
  assert.equal(r, { data: { type: 'startup', debugCodes: [], firmwareVersion: '2.0.1', occupied: true }, warnings: ['unknown reset cause 9'], errors: [] });
});

test('fPorts 4 and 5 carry raw bytes', () => {
  assert.equal(decode(4, [1, 2, 3]).data, { type: 'device information', bytes: [1, 2, 3] });
  assert.equal(decode(5, []).data, { type: 'device usage', bytes: [] });
});

test('fPort 6 debug: LE timestamp above 2^31 stays unsigned, 12-bit code, LE sequence number', () => {
  const bytes = [0x00, 0x00, 0x00, 0x90, 0x34, 0xa2, 0xee, 0xee, 0x39, 0x30];
  assert.equal(decode(6, bytes).data, { type: 'debug', timestamp: 0x90000000, debugCode: 0x234, sequenceNumber: 12345 });
});

test('short payloads and unknown fPort are errors', () => {
  assert.equal(decode(1, []), { warnings: [], errors: ['payload too short for fPort 1: need 1 bytes, got 0 (parking status)'] });
  assert.equal(decode(2, []).errors, ['payload too short for fPort 2: need 1 bytes, got 0 (heartbeat)']);
  assert.equal(decode(3, new Array(16).fill(0)).errors, ['payload too short for fPort 3: need 17 bytes, got 16 (startup message)']);
  assert.equal(decode(6, [1, 2, 3]).errors, ['payload too short for fPort 6: need 10 bytes, got 3 (debug message)']);
  assert.equal(decode(7, [1]).errors, ['unknown fPort 7 for bosch-tps110 (expected 1, 2, 3, 4, 5, 6)']);
});

test.run();
