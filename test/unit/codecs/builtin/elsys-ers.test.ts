// ELSYS ERS family: `type, value` sequence with big-endian values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findBuiltinCodec } from '../../../../src/codecs/builtin/index.js';

const codec = findBuiltinCodec('elsys-ers')!;
const decode = (bytes: number[], fPort = 5) => codec.decodeUplink({ bytes, fPort, recvTime: new Date(0) });
const be16 = (n: number) => [(n >>> 8) & 0xff, n & 0xff];
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

test('ERS CO2 types 0x01..0x07: signed temperature /10, humidity, light, motion, CO2, VDD', () => {
  const bytes = [0x01, ...be16(-55 & 0xffff), 0x02, 41, 0x04, ...be16(39), 0x05, 6, 0x06, ...be16(776), 0x07, ...be16(3605)];
  assert.equal(decode(bytes), {
    data: { temperature: -5.5, humidity: 41, light: 39, motion: 6, co2: 776, vdd: 3605 },
    warnings: [],
    errors: [],
  });
});

test('vendor example on fPort 1', () => {
  assert.equal(decode([0x01, 0x00, 0xe2, 0x02, 0x29, 0x04, 0x00, 0x27, 0x05, 0x06, 0x06, 0x03, 0x08], 1).data, {
    temperature: 22.6,
    humidity: 41,
    light: 39,
    motion: 6,
    co2: 776,
  });
});

test('other ERS-family types: acceleration, IR temperatures, occupancy, sound, pressure, TVOC, counters', () => {
  const bytes = [
    0x03, 0xff, 0x3f, 0x80, // x -1, y 63, z -128
    0x10, ...be16(215), ...be16(-12 & 0xffff),
    0x11, 2,
    0x15, 70, 45,
    0x14, ...be32(1013250), // 1013.25 hPa
    0x1c, ...be16(321),
    0x0b, ...be32(0xfffffffe),
    0x1b, ...be32(-5 >>> 0),
    0x0c, ...be16(-100 & 0xffff),
    0x09, 0x12, 0x34, 0x56, 0x65, 0x43, 0x21,
  ];
  assert.equal(decode(bytes).data, {
    x: -1,
    y: 63,
    z: -128,
    irInternalTemperature: 21.5,
    irExternalTemperature: -1.2,
    occupancy: 2,
    soundPeak: 70,
    soundAvg: 45,
    pressure: 1013.25,
    tvoc: 321,
    pulseAbs: 0xfffffffe,
    analogUv: -5,
    externalTemperature: -10,
    lat: 0x123456,
    long: 0x654321,
  });
});

test('repeated external temperature 2 becomes a list; grid-EYE is 64 pixels above the reference', () => {
  assert.equal(decode([0x19, ...be16(205), 0x19, ...be16(-15 & 0xffff), 0x19, ...be16(0)]).data, { externalTemperature2: [20.5, -1.5, 0] });
  const pixels = Array.from({ length: 64 }, (_, j) => j);
  const grid = (decode([0x13, 20, ...pixels]).data as { grideye: number[] }).grideye;
  assert.is(grid.length, 64);
  assert.is(grid[0], 20);
  assert.is(grid[10], 21);
  assert.is(grid[63], 20 + 63 / 10);
});

test('unknown type, truncated value and wrong fPort are errors', () => {
  assert.equal(decode([0x3d, 0, 0, 0, 0]), {
    warnings: [],
    errors: ['unknown Elsys type 0x3d at offset 0: its length is unknown, so the last 5 bytes were not decoded'],
  });
  assert.equal(decode([0x06, 0x01]).errors, ['frame ends inside Elsys type 0x06 at offset 0 (needs 3 bytes, 2 left); it was not decoded']);
  assert.equal(decode([0x02, 40], 6).errors, ['unknown fPort 6 for elsys-ers (expected 1, 5)']);
  assert.equal(decode([]), { data: {}, warnings: [], errors: [] });
});

test.run();
