// NAS UL20xx manual dimming downlink (fPort 60): 0x01 then `address, level` pairs, addresses as in
// the vendor's address byte (0xFF all devices, 0xFE DALI broadcast, 0x01 analog, 2n single, 0x80|2n group).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findBuiltinCodec } from '../../../../src/codecs/builtin/index.js';

const codec = findBuiltinCodec('nasys-ul20xx')!;
const encode = (data: Record<string, unknown>) => codec.encodeDownlink!({ data });

test('the codec offers encodeDownlink', () => {
  assert.type(codec.encodeDownlink, 'function');
});

test('flat form: one level for all devices (address 0xFF) on fPort 60', () => {
  const r = encode({ dimming_level__percent: 50 });
  assert.equal(r.errors, []);
  assert.is(r.fPort, 60);
  assert.equal(r.bytes, [0x01, 0xff, 50]);
});

test('flat form with an address and "resume" (0xFF level)', () => {
  assert.equal(encode({ address: 'dali_broadcast', dimming_level__percent: 'resume' }).bytes, [0x01, 0xfe, 0xff]);
  assert.equal(encode({ address: 'analog_0_10v', dimming_level__percent: 0 }).bytes, [0x01, 0x01, 0x00]);
});

test('destination list: DALI single 5 (0x0A) to 100 %, group 3 (0x86) to 20 %', () => {
  const r = encode({
    packet_type: 'manual_dimming',
    destination: [
      { address: 'dali_single_5', dimming_level__percent: 100 },
      { address: 'dali_group_3', dimming_level__percent: 20 },
    ],
  });
  assert.equal(r.errors, []);
  assert.equal(r.bytes, [0x01, 0x0a, 100, 0x86, 20]);
});

test('round trip: the decoder reads the encoded command back as manual_dimming', () => {
  const data = {
    destination: [
      { address: 'dali_single_63', dimming_level__percent: 75 },
      { address: 'dali_group_15', dimming_level__percent: 'resume' },
    ],
  };
  const r = encode(data);
  const back = codec.decodeUplink({ bytes: r.bytes!, fPort: r.fPort!, recvTime: new Date(0) });
  assert.equal(back.errors, []);
  assert.equal(back.data, { packet_type: 'manual_dimming', ...data });
});

test('bad level: above 100, fractional, negative, or text other than "resume"', () => {
  for (const level of [101, 12.5, -1, 'half', null]) {
    const r = encode({ dimming_level__percent: level });
    assert.is(r.bytes, undefined);
    assert.is(r.errors!.length, 1);
    assert.match(r.errors![0], /bad level/);
  }
});

test('bad addresses are named', () => {
  assert.match(encode({ address: 'dali_single_64', dimming_level__percent: 1 }).errors![0], /0\.\.63/);
  assert.match(encode({ address: 'dali_group_16', dimming_level__percent: 1 }).errors![0], /0\.\.15/);
  assert.match(encode({ address: 'lamp', dimming_level__percent: 1 }).errors![0], /unknown address "lamp"/);
});

test('errors in a list name the entry; nothing is encoded', () => {
  const r = encode({ destination: [{ address: 'all_devices', dimming_level__percent: 10 }, { address: 'all_devices', dimming_level__percent: 300 }] });
  assert.is(r.bytes, undefined);
  assert.match(r.errors![0], /^destination\[1\]: bad level 300/);
});

test('missing level, empty list and other packet types are refused', () => {
  assert.match(encode({}).errors![0], /dimming_level__percent/);
  assert.match(encode({ destination: [] }).errors![0], /non-empty/);
  assert.match(encode({ packet_type: 'status_packet', dimming_level__percent: 1 }).errors![0], /only manual_dimming/);
});

test.run();
