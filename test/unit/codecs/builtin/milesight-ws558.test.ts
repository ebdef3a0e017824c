// Milesight WS558: channel list `id, type, value` (LE values), fPort 85.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findBuiltinCodec } from '../../../../src/codecs/builtin/index.js';

const codec = findBuiltinCodec('milesight-ws558')!;
const decode = (bytes: number[], fPort = 85) => codec.decodeUplink({ bytes, fPort, recvTime: new Date(0) });
const le16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const hex = (s: string) => Array.from(Buffer.from(s.split(' ').join(''), 'hex'));

test('every channel built from the layout; switch state byte drives switch_1..8, change mask ignored', () => {
  const bytes = [
    0x03, 0x74, ...le16(2301), // 230.1 V
    0x04, 0x80, ...le32(3_000_000_000), // above 2^31: must stay unsigned
    0x05, 0x81, 97,
    0x06, 0x83, ...le32(123456),
    0x07, 0xc9, ...le16(4321),
    0x08, 0x31, 0xff, 0b1010_0101,
  ];
  assert.equal(decode(bytes), {
    data: {
      voltage: 230.1,
      active_power: 3_000_000_000,
      power_factor: 97,
      power_consumption: 123456,
      total_current: 4321,
      switch_1: 'on',
      switch_2: 'off',
      switch_3: 'on',
      switch_4: 'off',
      switch_5: 'off',
      switch_6: 'on',
      switch_7: 'off',
      switch_8: 'on',
    },
    warnings: [],
    errors: [],
  });
});

test('vendor README example', () => {
  assert.equal(decode(hex('08310001 058164 07C90200 0374B208 068301000000 048001000000')).data, {
    voltage: 222.6,
    active_power: 1,
    power_factor: 100,
    total_current: 2,
    power_consumption: 1,
    switch_1: 'on',
    switch_2: 'off',
    switch_3: 'off',
    switch_4: 'off',
    switch_5: 'off',
    switch_6: 'off',
    switch_7: 'off',
    switch_8: 'off',
  });
});

test('attribute channels (ff xx) are skipped with a warning and decoding continues', () => {
  const bytes = [0xff, 0x01, 0x01, 0xff, 0x09, 0x01, 0x10, 0xff, 0x16, 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0x0f, 2, 0x05, 0x81, 50];
  assert.equal(decode(bytes), {
    data: { power_factor: 50 },
    warnings: [
      'skipped attribute channel ff 01 (protocol version)',
      'skipped attribute channel ff 09 (hardware version)',
      'skipped attribute channel ff 16 (serial number)',
      'skipped attribute channel ff 0f (LoRaWAN class)',
    ],
    errors: [],
  });
});

test('empty payload decodes to an empty object', () => {
  assert.equal(decode([]), { data: {}, warnings: [], errors: [] });
});

test('after a decoded channel, an unknown channel or a lone header byte stops decoding with a warning', () => {
  assert.equal(decode([0x05, 0x81, 50, 0x09, 0x99, 1]), {
    data: { power_factor: 50 },
    warnings: ['unknown channel 09 99 at offset 3 on fPort 85: its length is unknown, so the last 3 bytes were not decoded'],
    errors: [],
  });
  assert.equal(decode([0x05, 0x81, 50, 0x03]), {
    data: { power_factor: 50 },
    warnings: ['frame ends inside a channel header at offset 3 (needs 2 bytes, 1 left); it was not decoded'],
    errors: [],
  });
});

test('a frame that decodes nothing (truncated first channel) and a wrong fPort are errors', () => {
  assert.equal(decode([0x04, 0x80, 1, 2, 3]).errors, ['frame ends inside channel 04 80 at offset 0 (needs 6 bytes, 5 left); it was not decoded']);
  assert.equal(decode([0xff, 0x16, 1, 2]).errors, ['frame ends inside channel ff 16 at offset 0 (needs 10 bytes, 4 left); it was not decoded']);
  assert.equal(decode([0x05, 0x81, 50], 1).errors, ['unknown fPort 1 for milesight-ws558 (expected 85)']);
});

test.run();
