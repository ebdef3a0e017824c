// Milesight AM307 and AM319: same channel scheme, different key names for PIR and PM2.5.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findBuiltinCodec } from '../../../../src/codecs/builtin/index.js';

const le16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
const hex = (s: string) => Array.from(Buffer.from(s.split(' ').join(''), 'hex'));
const decoder = (id: string) => {
  const codec = findBuiltinCodec(id)!;
  return (bytes: number[], fPort = 85) => codec.decodeUplink({ bytes, fPort, recvTime: new Date(0) });
};

// Every channel once: battery 87 %, -12.3 degC (sign extension), 45.5 %RH, PIR, light 4, CO2 1234,
// TVOC 250, 1013.2 hPa, HCHO 0.07, PM2.5 35, PM10 60, O3 0.05, beep.
const ALL = [
  0x01, 0x75, 87,
  0x03, 0x67, ...le16(-123 & 0xffff),
  0x04, 0x68, 91,
  0x05, 0x00, 1,
  0x06, 0xcb, 4,
  0x07, 0x7d, ...le16(1234),
  0x08, 0x7d, ...le16(250),
  0x09, 0x73, ...le16(10132),
  0x0a, 0x7d, ...le16(7),
  0x0b, 0x7d, ...le16(35),
  0x0c, 0x7d, ...le16(60),
  0x0d, 0x7d, ...le16(5),
  0x0e, 0x01, 1,
];
const COMMON = {
  battery: 87,
  temperature: -12.3,
  humidity: 45.5,
  light_level: 4,
  co2: 1234,
  tvoc: 250,
  pressure: 1013.2,
  hcho: 0.07,
  pm10: 60,
  o3: 0.05,
  beep: 'yes',
};

const am307 = suite('milesight-am307');
const d307 = decoder('milesight-am307');

am307('every channel, keys pir and pm2_5', () => {
  assert.equal(d307(ALL), { data: { ...COMMON, pir: 'trigger', pm2_5: 35 }, warnings: [], errors: [] });
});

am307('PIR other than 1 is idle, beep other than 1 is no, positive temperature', () => {
  assert.equal(d307([0x05, 0x00, 0, 0x0e, 0x01, 0, 0x03, 0x67, ...le16(255)]).data, { pir: 'idle', beep: 'no', temperature: 25.5 });
  assert.equal(d307([0x05, 0x00, 2]).data, { pir: 'idle' });
});

am307('vendor README example', () => {
  assert.equal(d307(hex('0367EE00 04687C 050001 06CB02 077DA803 087D2500 09736627 0A7D0400 0B7D2000 0C7D3000')).data, {
    temperature: 23.8,
    humidity: 62,
    pir: 'trigger',
    light_level: 2,
    co2: 936,
    tvoc: 37,
    pressure: 1008.6,
    hcho: 0.04,
    pm2_5: 32,
    pm10: 48,
  });
});

am307('a frame of nothing but an unknown or truncated channel, and a wrong fPort, are errors', () => {
  assert.equal(d307([0x20, 0xce, 1]).errors, [
    'unknown channel 20 ce at offset 0 on fPort 85: its length is unknown, so the last 3 bytes were not decoded',
  ]);
  assert.equal(d307([0x07, 0x7d, 1]).errors, ['frame ends inside channel 07 7d at offset 0 (needs 4 bytes, 3 left); it was not decoded']);
  assert.equal(d307([0x01, 0x75, 50], 2).errors, ['unknown fPort 2 for milesight-am307 (expected 85)']);
});

am307.run();

const am319 = suite('milesight-am319');
const d319 = decoder('milesight-am319');

am319('every channel, keys activity and pm2.5', () => {
  assert.equal(d319(ALL), { data: { ...COMMON, activity: 'trigger', 'pm2.5': 35 }, warnings: [], errors: [] });
});

am319('a repeated channel overwrites the earlier value, as in the reference decoder', () => {
  assert.equal(d319([0x07, 0x7d, ...le16(400), 0x07, 0x7d, ...le16(410)]).data, { co2: 410 });
});

am319('an unknown channel of a known type is skipped with a warning', () => {
  assert.equal(d319([0x0f, 0x7d, 1, 0]), {
    data: {},
    warnings: ['skipped unknown channel 0f 7d at offset 0 (2-byte value, newer firmware?)'],
    errors: [],
  });
});

am319.run();
