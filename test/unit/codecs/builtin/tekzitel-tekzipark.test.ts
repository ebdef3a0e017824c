// Tekzitel TEKZIPARK: flag byte as 0/1 integers, beacon list, debug frame.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findBuiltinCodec } from '../../../../src/codecs/builtin/index.js';

const codec = findBuiltinCodec('tekzitel-tekzipark')!;
const decode = (fPort: number, bytes: number[]) => codec.decodeUplink({ bytes, fPort, recvTime: new Date(0) });
const FLAGS_NONE = { occupied: 0, keepAlive: 0, reset: 0, No_Beacon: 0, Radar: 0, Obstruction: 0, Good_Battery: 0 };

test('fPort 1 minimal: each flag bit maps to its own 0/1 field, signed temperature', () => {
  assert.equal(decode(1, [0b1010_0101, 0xf6, 17]), {
    data: { occupied: 1, keepAlive: 1, reset: 0, No_Beacon: 1, Radar: 0, Obstruction: 0, Good_Battery: 1, Temperature: -10, Parking_ID: 17 },
    warnings: [],
    errors: [],
  });
  assert.equal(decode(1, [0b0001_1010, 25, 3]).data, { ...FLAGS_NONE, reset: 1, Radar: 1, Obstruction: 1, Temperature: 25, Parking_ID: 3 });
});

test('fPort 1 with beacons: signed RSSI, big-endian 16-bit ids', () => {
  assert.equal(decode(1, [0x80, 20, 5, 0xb5, 0x12, 0x34, 0xab, 0xcd]).data, {
    ...FLAGS_NONE,
    occupied: 1,
    Temperature: 20,
    Parking_ID: 5,
    Beacon_RSSI: -75,
    Beacons: [0x1234, 0xabcd],
  });
  assert.equal(decode(1, [0, 20, 5, 0xc0]).data, { ...FLAGS_NONE, Temperature: 20, Parking_ID: 5, Beacon_RSSI: -64, Beacons: [] });
});

test('fPort 1 odd byte after the beacon list is ignored with a warning', () => {
  const r = decode(1, [0, 20, 5, 0xc0, 0x00, 0x07, 0x99]);
  assert.equal(r.warnings, ['ignored odd trailing byte after the beacon list']);
  assert.equal((r.data as Record<string, unknown>).Beacons, [7]);
});

test('fPort 2 debug: signed deflection and baseline, obstruction byte replaces the flag', () => {
  assert.equal(decode(2, [0b0001_0000, 0x05, 9, 0xff, 0x02, 0x80, 0x7f, 0xfe, 0x00, 3, 0, 42]), {
    data: {
      ...FLAGS_NONE,
      Obstruction: 0,
      Temperature: 5,
      Parking_ID: 9,
      Deflection_X: -1,
      Deflection_Y: 2,
      Deflection_Z: -128,
      Baseline_X: 127,
      Baseline_Y: -2,
      Baseline_Z: 0,
      Fault_Code: 3,
      D_Reflection: 42,
    },
    warnings: [],
    errors: [],
  });
});

test('short payloads and unknown fPort are errors', () => {
  assert.equal(decode(1, [0, 1]), { warnings: [], errors: ['payload too short for fPort 1: need 3 bytes, got 2 (status)'] });
  assert.equal(decode(2, [0, 1, 2, 3]).errors, ['payload too short for fPort 2: need 12 bytes, got 4 (debug)']);
  assert.equal(decode(3, [0, 1, 2]).errors, ['unknown fPort 3 for tekzitel-tekzipark (expected 1, 2)']);
});

test.run();
