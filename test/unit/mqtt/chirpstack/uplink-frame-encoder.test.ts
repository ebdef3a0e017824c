// Our live gw.UplinkFrame encoder against @chirpstack/chirpstack-api: for seeded random frames (odd
// times, long strings, multi-byte lengths, negative RSSI, unknown code rates) the bytes must be the
// library's own serialisation, and the library must decode ours to the same message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { encodeUplinkFrame } from '../../../../src/mqtt/chirpstack/uplink-frame-encoder.js';
import { toUplinkFrame } from '../../../../src/mqtt/chirpstack/uplink.js';
import type { RadioFrame } from '../../../../src/radio/radio-frame.js';
import { fuzzFor, type Fuzz } from '../../../helpers/fuzz.js';

const CODE_RATES = ['4/5', '4/6', '4/7', '4/8', '4/5LI', '4/8LI', '2/6', ' 4/5 ', '4/ 6', '', 'OFF', '9/9'];
const GW_TIMES = [
  '2026-12-06T15:30:00Z', '2026-12-06T15:30:00.123456Z', '2026-12-06T15:30:00.1Z', '2026-12-06T15:30:00.123456789+02:00',
  '2026-12-06T15:30:00', ' 2026-12-06T15:30:00.5Z ', '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00Z', 'not a time',
  '2026-13-45T99:99:99Z', '', '2026-12-06T24:00:00.500Z', '2026-12-06T24:00:00Z', '2026-02-30T12:00:00.000000001Z',
  '2026-12-06T15:30:00.123z', '2026-12-06T15:30:00.1234567891Z',
];

function randomFrame(f: Fuzz): RadioFrame {
  const lora = f.bool(0.8);
  const frame: RadioFrame = {
    source: f.bool(0.7) ? f.pick(['udp', 'serial:/dev/ttyACM0', '']) : f.text(f.pick([10, 60, 200])),
    receivedAt: Date.now(),
    frequency: f.pick([0, 868_100_000, 867_900_000, 433_175_000, 2_425_000_000, f.int(0, 0xffffffff)]),
    modulation: lora ? 'LORA' : 'FSK',
    crc: f.pick(['ok', 'bad', 'none'] as const),
    rssi: f.pick([0, -0.4, -120, -1, 5, -139.5, f.int(-200, 20) + f.float()]),
    payload: f.bytes(f.pick([0, 1, 12, 23, 127, 128, 255, f.int(0, 300)])),
  };
  // A listed odd time, or a forwarder's usual one (UTC, 0-9 fraction digits) anywhere in four-digit years.
  if (f.bool()) frame.gwTime = f.bool() ? f.pick(GW_TIMES) : `${new Date(f.int(0, 253402300799999)).toISOString().slice(0, 19)}${f.pick(['', '.', '.5', '.123456', '.999999999'])}Z`;
  if (f.bool()) frame.gpsTimeMs = f.pick([0, 1_000, 999.9999999, 1_417_000_000_123, 1_417_000_000_123.456, f.int(0, 2 ** 42)]);
  if (f.bool(0.8)) frame.channel = f.int(0, f.pick([7, 255, 0xffffffff]));
  if (f.bool(0.8)) frame.rfChain = f.int(0, 1);
  if (f.bool(0.8)) frame.snr = f.pick([0, -0, 9.5, -20.25, 0.1, f.float() * 40 - 20]);
  if (f.bool(0.7)) frame.context = f.bytes(f.pick([0, 4, 9, 127, 128, 200, 16_500]));
  if (lora) {
    if (f.bool(0.9)) frame.spreadingFactor = f.int(5, 12);
    if (f.bool(0.9)) frame.bandwidth = f.pick([125_000, 250_000, 500_000, 812_000, 0]);
    if (f.bool(0.9)) frame.codeRate = f.pick(CODE_RATES);
  } else if (f.bool(0.9)) {
    frame.fskDatarate = f.pick([50_000, 0, 300_000]);
  }
  return frame;
}

function firstDifference(ours: Buffer, theirs: Buffer): string {
  let at = 0;
  while (at < ours.length && at < theirs.length && ours[at] === theirs[at]) at++;
  const from = Math.max(0, at - 24);
  return `lengths ${ours.length} / ${theirs.length}, first difference at byte ${at}:\nours   ${ours.subarray(from, at + 24).toString('hex')}\ntheirs ${theirs.subarray(from, at + 24).toString('hex')}`;
}

test('byte for byte the library serialisation of gw.UplinkFrame, decodable by the library', () => {
  const f = fuzzFor('uplink-frame-encoder', 3000);
  for (let i = 0; i < f.iterations; i++) {
    const frame = randomFrame(f);
    const opts = {
      gatewayId: f.pick(['0016c001ff10a235', '', 'a'.repeat(200)]),
      uplinkId: f.pick([0, 1, 0xffffffff, f.int(0, 0xffffffff)]),
      // The live stream's source index in front of the context, as wrapContext writes it (256 wraps to 0).
      sourceIndex: f.pick([undefined, 0, 1, 255, 256, f.int(0, 300)]),
    };
    const ours = encodeUplinkFrame(frame, opts);
    const theirs = Buffer.from(toUplinkFrame(frame, opts).serializeBinary());
    if (!ours.equals(theirs)) {
      assert.unreachable(`iteration ${i} (seed ${f.seed}): ${JSON.stringify({ ...frame, payload: frame.payload.length, context: frame.context?.length })}\n${firstDifference(ours, theirs)}`);
    }
    const decoded = gw.UplinkFrame.deserializeBinary(new Uint8Array(ours));
    // The wire carries snr as a float32: it comes back within float precision, the rest exactly.
    const got = decoded.toObject();
    const expected = toUplinkFrame(frame, opts).toObject();
    if (expected.rxInfo && got.rxInfo) {
      assert.ok(Math.abs(got.rxInfo.snr - expected.rxInfo.snr) <= Math.abs(expected.rxInfo.snr) * 1e-6, `snr ${got.rxInfo.snr} for ${expected.rxInfo.snr}`);
      expected.rxInfo.snr = got.rxInfo.snr;
    }
    assert.equal(got, expected);
  }
});

test('a cached tx_info is reused without changing the bytes, and a second encode does not disturb the first', () => {
  const frame: RadioFrame = {
    source: 'udp', receivedAt: 0, frequency: 868_100_000, modulation: 'LORA', spreadingFactor: 7, bandwidth: 125_000,
    codeRate: '4/5', crc: 'ok', rssi: -57, snr: 9.5, payload: Buffer.from('40aabbccdd', 'hex'),
  };
  const first = encodeUplinkFrame(frame, { gatewayId: '0016c001ff10a235', uplinkId: 7 });
  const copy = Buffer.from(first);
  const second = encodeUplinkFrame({ ...frame, rssi: -80 }, { gatewayId: '0016c001ff10a235', uplinkId: 8 });
  assert.ok(first.equals(copy));
  assert.ok(second.equals(Buffer.from(toUplinkFrame({ ...frame, rssi: -80 }, { gatewayId: '0016c001ff10a235', uplinkId: 8 }).serializeBinary())));
});

test.run();
