// Nwave NPS405 (G4): compressed durations, heartbeat battery health, startup, registration, debug.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findBuiltinCodec } from '../../../../src/codecs/builtin/index.js';

const codec = findBuiltinCodec('nwave-nps405')!;
const decode = (fPort: number, bytes: number[]) => codec.decodeUplink({ bytes, fPort, recvTime: new Date(0) });
const status = (c: number, occupied: boolean) => decode(1, [(c << 1) | (occupied ? 1 : 0)]).data;

test('fPort 1: bit 0 occupied, bits 1..7 compressed duration in its four ranges', () => {
  const dur = (duration: number, error: number | null, overflow: boolean) => ({
    previous_state_duration: duration,
    previous_state_duration_error: error,
    previous_state_duration_overflow: overflow,
  });
  assert.equal(status(0, false), { type: 'parking_status', occupied: false, ...dur(0, 0, false) });
  assert.equal(status(89, true), { type: 'parking_status', occupied: true, ...dur(89, 0, false) });
  assert.equal(status(90, true), { type: 'parking_status', occupied: true, ...dur(90, 4, false) });
  assert.equal(status(119, false), { type: 'parking_status', occupied: false, ...dur(235, 4, false) });
  assert.equal(status(120, false), { type: 'parking_status', occupied: false, ...dur(240, 59, false) });
  assert.equal(status(126, true), { type: 'parking_status', occupied: true, ...dur(600, 59, false) });
  assert.equal(status(127, true), { type: 'parking_status', occupied: true, ...dur(660, null, true) });
});

test('fPort 1 vendor example 0x95 and trailing-byte warning', () => {
  assert.equal(decode(1, [0x95]).data, {
    type: 'parking_status',
    occupied: true,
    previous_state_duration: 74,
    previous_state_duration_error: 0,
    previous_state_duration_overflow: false,
  });
  assert.equal(decode(1, [0x95, 0]).warnings, ['ignored 1 trailing byte(s) on fPort 1']);
});

test('fPort 2 heartbeat: voltage, signed temperature, thresholds switch at -5 degC', () => {
  // byte1 125 -> 2500 + 500 = 3000 mV; byte2 0 -> 10 degC: >= 3000 normal
  assert.equal(decode(2, [0x01, 125, 0]), {
    data: { type: 'heartbeat', occupied: true, hw_health_status: 1, temperature: 10, battery_voltage: 3, battery_health: 'normal' },
    warnings: [],
    errors: [],
  });
  // 2996 mV at 10 degC -> low; 2896 mV -> critical
  assert.is((decode(2, [0, 124, 0]).data as Record<string, unknown>).battery_health, 'low');
  assert.is((decode(2, [0, 99, 0]).data as Record<string, unknown>).battery_health, 'critical');
  // byte2 0xE2 = -30 -> -15 + 10 = -5 degC still uses the warm thresholds: 2996 mV low
  assert.equal(decode(2, [0, 124, 0xe2]).data, {
    type: 'heartbeat', occupied: false, hw_health_status: 0, temperature: -5, battery_voltage: 2.996, battery_health: 'low',
  });
  // at exactly -5 degC 2896 mV is still critical (warm critical threshold 2900)
  assert.is((decode(2, [0, 99, 0xe2]).data as Record<string, unknown>).battery_health, 'critical');
  // byte2 0xE1 = -31 -> -5.5 degC uses cold thresholds: 2900 normal, 2896 low, 2796 critical
  assert.is((decode(2, [0, 100, 0xe1]).data as Record<string, unknown>).battery_health, 'normal');
  assert.is((decode(2, [0, 99, 0xe1]).data as Record<string, unknown>).temperature, -5.5);
  assert.is((decode(2, [0, 99, 0xe1]).data as Record<string, unknown>).battery_health, 'low');
  assert.is((decode(2, [0, 74, 0xe1]).data as Record<string, unknown>).battery_health, 'critical');
  // hw_health_status keeps bits 0..6 of byte 0
  assert.is((decode(2, [0xff, 125, 0]).data as Record<string, unknown>).hw_health_status, 0x7f);
});

test('fPort 2 vendor example with extra bytes (ignored without warning)', () => {
  assert.equal(decode(2, [0x00, 0xd3, 0xd8, 0x00, 0x59, 0x0b]), {
    data: { type: 'heartbeat', occupied: false, hw_health_status: 0, temperature: -10, battery_voltage: 3.344, battery_health: 'normal' },
    warnings: [],
    errors: [],
  });
});

test('fPort 3 startup: reset causes, undefined cause left out with a warning', () => {
  assert.equal(decode(3, [2, 4, 9, 2, 0]).data, { type: 'startup', firmware_version: '2.4.9', reset_cause: 'power_on', occupied: false });
  const names = [0, 1, 3, 6, 7].map((c) => (decode(3, [1, 0, 0, c, 1]).data as Record<string, unknown>).reset_cause);
  assert.equal(names, ['rejoining_lorawan_network', 'watchdog', 'user_request', 'brownout', 'other']);
  assert.equal(decode(3, [1, 0, 0, 4, 1]), {
    data: { type: 'startup', firmware_version: '1.0.0', occupied: true },
    warnings: ['unknown reset cause 4'],
    errors: [],
  });
});

test('fPort 10 registration: occupied with duration, or all null; tag id uppercase hex without padding', () => {
  assert.equal(decode(10, [0xd1, 0x20, 0x1f, 0x34, 0x56]).data, {
    type: 'user_registration',
    occupied: true,
    previous_state_duration: 160,
    previous_state_duration_error: 4,
    previous_state_duration_overflow: false,
    tag_id: '201F3456',
  });
  assert.equal(decode(10, [0x00, 0x00, 0x00, 0x0a, 0xbc]).data, {
    type: 'user_registration',
    occupied: null,
    previous_state_duration: null,
    previous_state_duration_error: null,
    previous_state_duration_overflow: null,
    tag_id: 'ABC',
  });
  assert.is((decode(10, [0, 0xfe, 0xdc, 0xba, 0x98]).data as Record<string, unknown>).tag_id, 'FEDCBA98');
});

test('fPort 6 debug returns the raw bytes', () => {
  assert.equal(decode(6, [9, 8, 7]).data, { type: 'debug', bytes: [9, 8, 7] });
});

test('short payloads and unknown fPort are errors', () => {
  assert.equal(decode(1, []).errors, ['payload too short for fPort 1: need 1 bytes, got 0 (parking status)']);
  assert.equal(decode(2, [0, 1]).errors, ['payload too short for fPort 2: need 3 bytes, got 2 (heartbeat)']);
  assert.equal(decode(3, [1, 2, 3, 4]).errors, ['payload too short for fPort 3: need 5 bytes, got 4 (startup)']);
  assert.equal(decode(10, [1, 2]).errors, ['payload too short for fPort 10: need 5 bytes, got 2 (user registration)']);
  assert.equal(decode(4, [1]), { warnings: [], errors: ['unknown fPort 4 for nwave-nps405 (expected 1, 2, 3, 6, 10)'] });
});

test.run();
