// gw.DownlinkFrame in (protobuf and the protobuf JSON mapping) and gw.DownlinkTxAck out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import {
  marshal,
  parseDownlinkFrame,
  toDownlinkFrame,
  toDownlinkTxAck,
  toProtoJson,
  type DownlinkFrameSpec,
} from '../../../src/mqtt/chirpstack.js';

const GW = '0016c001ff10a235';
const PHY = Buffer.from('60040302018001000102030405', 'hex');
/** Our wrapped context: source 0, tmst 1 000 000 (0x000f4240). */
const CONTEXT = Buffer.from('00000f4240', 'hex');

function classA(): DownlinkFrameSpec {
  return {
    gatewayId: GW,
    downlinkId: 3_260_373_930,
    items: [
      {
        phyPayload: PHY,
        txInfo: {
          frequency: 868_100_000,
          power: 14,
          modulation: {
            kind: 'LORA',
            spreadingFactor: 7,
            bandwidth: 125_000,
            codeRate: '4/5',
            polarizationInversion: true,
            preamble: 0,
            noCrc: false,
          },
          board: 0,
          antenna: 0,
          timing: { kind: 'delay', delayMs: 1000 },
          context: CONTEXT,
        },
      },
      {
        phyPayload: PHY,
        txInfo: {
          frequency: 869_525_000,
          power: 27,
          modulation: {
            kind: 'LORA',
            spreadingFactor: 12,
            bandwidth: 125_000,
            codeRate: '4/5',
            polarizationInversion: true,
            preamble: 0,
            noCrc: false,
          },
          board: 0,
          antenna: 0,
          timing: { kind: 'delay', delayMs: 2000 },
          context: CONTEXT,
        },
      },
    ],
  };
}

test('protobuf: a DownlinkFrame round-trips through serializeBinary', () => {
  const spec = classA();
  const bytes = Buffer.from(toDownlinkFrame(spec).serializeBinary());
  const parsed = parseDownlinkFrame(bytes);
  assert.ok(parsed.ok);
  if (!parsed.ok) return;
  assert.is(parsed.format, 'protobuf');
  assert.equal(parsed.frame, spec);
});

test('protobuf: FSK, immediately, GPS time and sub-ms delays', () => {
  const spec: DownlinkFrameSpec = {
    gatewayId: GW,
    downlinkId: 1,
    items: [
      {
        phyPayload: PHY,
        txInfo: {
          frequency: 868_800_000,
          power: 14,
          modulation: { kind: 'FSK', datarate: 50_000, frequencyDeviation: 25_000 },
          board: 0,
          antenna: 0,
          timing: { kind: 'immediately' },
          context: Buffer.alloc(0),
        },
      },
      {
        phyPayload: PHY,
        txInfo: {
          frequency: 868_100_000,
          power: 14,
          modulation: { kind: 'LORA', spreadingFactor: 9, bandwidth: 125_000, codeRate: '4/6', polarizationInversion: false, preamble: 10, noCrc: true },
          board: 1,
          antenna: 2,
          timing: { kind: 'gps', gpsTimeMs: 1_400_000_000_123.5 },
          context: Buffer.alloc(0),
        },
      },
      {
        phyPayload: PHY,
        txInfo: {
          frequency: 868_100_000,
          power: 14,
          modulation: { kind: 'LR_FHSS' },
          board: 0,
          antenna: 0,
          timing: { kind: 'delay', delayMs: 1000.25 },
          context: CONTEXT,
        },
      },
      { phyPayload: PHY },
    ],
  };
  const parsed = parseDownlinkFrame(Buffer.from(toDownlinkFrame(spec).serializeBinary()));
  assert.ok(parsed.ok);
  if (parsed.ok) assert.equal(parsed.frame, spec);
});

test('JSON as ChirpStack v4 sends it (camelCase, enum names, base64, "1s" durations)', () => {
  const json = `{
    "downlinkId": 3260373930,
    "items": [
      { "phyPayload": "YAQDAgGAAQABAgMEBQ==",
        "txInfo": { "frequency": 868100000, "power": 14,
          "modulation": { "lora": { "bandwidth": 125000, "spreadingFactor": 7, "codeRate": "CR_4_5", "polarizationInversion": true } },
          "timing": { "delay": { "delay": "1s" } }, "context": "AAAPQkA=" } },
      { "phyPayload": "YAQDAgGAAQABAgMEBQ==",
        "txInfo": { "frequency": 869525000, "power": 27,
          "modulation": { "lora": { "bandwidth": 125000, "spreadingFactor": 12, "codeRate": "CR_4_5", "polarizationInversion": true } },
          "timing": { "delay": { "delay": "2.000s" } }, "context": "AAAPQkA=" } }
    ],
    "gatewayId": "0016c001ff10a235"
  }`;
  const parsed = parseDownlinkFrame(Buffer.from(json));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
  if (!parsed.ok) return;
  assert.is(parsed.format, 'json');
  assert.equal(parsed.frame, classA());
});

test('JSON with proto field names, numbers as strings, GPS timing and a legacy code rate', () => {
  const json = JSON.stringify({
    downlink_id: '42',
    gateway_id: GW,
    items: [
      {
        phy_payload: 'YAQDAgGAAQABAgMEBQ',
        tx_info: {
          frequency: '868300000',
          power: -2,
          modulation: { lora: { bandwidth: 125000, spreading_factor: 8, code_rate_legacy: '4/7', polarization_inversion: true } },
          timing: { gps_epoch: { time_since_gps_epoch: '1400000000.5s' } },
        },
      },
    ],
  });
  const parsed = parseDownlinkFrame(Buffer.from(`  \n${json}`));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
  if (!parsed.ok) return;
  assert.is(parsed.frame.downlinkId, 42);
  const tx = parsed.frame.items[0].txInfo;
  assert.equal(parsed.frame.items[0].phyPayload, PHY);
  assert.is(tx?.frequency, 868_300_000);
  assert.is(tx?.power, -2);
  assert.equal(tx?.modulation, { kind: 'LORA', spreadingFactor: 8, bandwidth: 125000, codeRate: '4/7', polarizationInversion: true, preamble: 0, noCrc: false });
  assert.equal(tx?.timing, { kind: 'gps', gpsTimeMs: 1_400_000_000_500 });
  assert.equal(tx?.context, Buffer.alloc(0));
});

test('JSON produced by toProtoJson(toDownlinkFrame()) parses back to the same frame', () => {
  const spec = classA();
  const text = JSON.stringify(toProtoJson(toDownlinkFrame(spec)));
  assert.match(text, /"delay":\{"delay":"1s"\}/);
  assert.match(text, /"codeRate":"CR_4_5"/);
  const parsed = parseDownlinkFrame(Buffer.from(text));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
  if (parsed.ok) assert.equal(parsed.frame, spec);
});

test('malformed payloads give a readable reason, never a throw', () => {
  const cases: Array<[string | Buffer, RegExp]> = [
    ['{"items": [', /invalid JSON/],
    ['{"items": 5}', /items must be an array/],
    ['{"items": [{"phyPayload": "@@@"}]}', /items\[0\]\.phyPayload must be base64/],
    ['{"downlinkId": -1}', /downlinkId must be an integer/],
    ['{"gatewayId": 7}', /gatewayId must be a string/],
    ['{"items": [{"txInfo": {"timing": {"delay": {"delay": "soon"}}}}]}', /timing\.delay\.delay must be a duration/],
    ['{"items": [{"txInfo": {"modulation": {"lora": {"codeRate": "CR_9_9"}}}}]}', /codeRate "CR_9_9" is not a gw.CodeRate/],
    ['[1,2]', /not a gw.DownlinkFrame|must be an object/],
    [Buffer.alloc(0), /empty payload/],
    [Buffer.from([0xff, 0xff, 0xff, 0xff]), /not a gw.DownlinkFrame/],
  ];
  for (const [payload, reason] of cases) {
    const parsed = parseDownlinkFrame(typeof payload === 'string' ? Buffer.from(payload) : payload);
    assert.not.ok(parsed.ok, String(payload));
    if (!parsed.ok) assert.match(parsed.reason, reason);
  }
});

test('DownlinkTxAck: one status per item, in order, as protobuf and as JSON', () => {
  const ack = toDownlinkTxAck({ gatewayId: GW, downlinkId: 7, statuses: ['TOO_LATE', 'OK', 'IGNORED'] });
  const decoded = gw.DownlinkTxAck.deserializeBinary(marshal(ack, 'protobuf'));
  assert.is(decoded.getGatewayId(), GW);
  assert.is(decoded.getDownlinkId(), 7);
  assert.equal(
    decoded.getItemsList().map((i) => i.getStatus()),
    [gw.TxAckStatus.TOO_LATE, gw.TxAckStatus.OK, gw.TxAckStatus.IGNORED],
  );
  assert.equal(JSON.parse(marshal(ack, 'json').toString()), {
    gatewayId: GW,
    downlinkId: 7,
    items: [{ status: 'TOO_LATE' }, { status: 'OK' }, { status: 'IGNORED' }],
  });
  const overflow = toDownlinkTxAck({ gatewayId: GW, downlinkId: 8, statuses: ['DUTY_CYCLE_OVERFLOW'] });
  assert.equal(gw.DownlinkTxAck.deserializeBinary(marshal(overflow, 'protobuf')).getItemsList()[0].getStatus(), 11);
});

test.run();
