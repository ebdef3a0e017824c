// Fuzz tier, UDP side: seeded random and mutated datagrams (PUSH_DATA with mutated rxpk and stat,
// random JSON, PULL_DATA from random EUIs, TX_ACK, random bytes) over real loopback UDP into the
// UDP source and the uplink pipeline, plus the fixed cases. Properties: no handler ever
// throws, no record or live message carries a null/NaN/absurd radio field, every record is valid
// against the hub schema, every peer-keyed table stays at its bound.
// Replay: LORA_EDGE_FUZZ_SEED=<seed printed below>; longer: LORA_EDGE_FUZZ_ITERATIONS=<n>.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { silentLogger } from '../../src/log.js';
import { ObservedUdpSource as UdpSource } from '../../src/testing/observed-udp-source.js';
import { TMST_OWNERS_KEPT } from '../../src/radio/udp/gateway-registry.js';
import { UplinkPipeline } from '../../src/pipeline/uplink-pipeline.js';
import { buildPullData, buildPushData, buildTxAck } from '../../src/radio/udp/gateway-side.js';
import { makeRxpk } from '../../src/testing/packet-forwarder.js';
import { marshal, toUplinkFrame } from '../../src/mqtt/chirpstack.js';
import { buildHubBatch } from '../../src/mqtt/hub-batch.js';
import { checkRadioFrame } from '../../src/radio/plausibility.js';
import type { OutboxRecord } from '../../src/outbox/record.js';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { assertValidBatch } from '../helpers/spine-scenarios.js';
import { fuzzFor, type Fuzz } from '../helpers/fuzz.js';

const GW = '0016c001ff10a235';
const MAX_GATEWAYS = 64;

interface Harness {
  source: UdpSource;
  pipeline: UplinkPipeline;
  records: OutboxRecord[];
  live: string[];
  frames: RadioFrame[];
  send(datagram: Buffer): void;
  settle(): Promise<void>;
  close(): Promise<void>;
}

async function harness(): Promise<Harness> {
  const records: OutboxRecord[] = [];
  const live: string[] = [];
  const frames: RadioFrame[] = [];
  let seq = 0;
  const pipeline = new UplinkPipeline({
    forwardCrcBad: true,
    forwardCrcNone: true,
    dedupWindowMs: 200,
    logger: silentLogger(),
    store: {
      append: (r) => {
        records.push({ ...r, seq: ++seq });
        return seq;
      },
    },
    live: {
      publish: (frame) => {
        live.push(marshal(toUplinkFrame(frame, { gatewayId: GW, uplinkId: seq }), 'json').toString());
        return true;
      },
    },
    liveMaxAgeMs: 60_000,
  });
  const source = new UdpSource({
    id: 'udp',
    bind: '127.0.0.1:0',
    logger: silentLogger(),
    maxGateways: MAX_GATEWAYS,
    onFrame: (frame) => {
      frames.push(frame);
      pipeline.handle(frame);
    },
  });
  await source.start();
  const port = source.address().port;
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  sock.on('message', () => undefined);
  let sent = 0;
  return {
    source, pipeline, records, live, frames,
    send: (d) => {
      sent++;
      sock.send(d, port, '127.0.0.1');
    },
    // Until the source has read every datagram sent (loopback drops nothing at this pace) or time is up.
    settle: async () => {
      const deadline = Date.now() + 3000;
      while (source.counters().datagrams_received < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    },
    close: async () => {
      sock.close();
      await source.stop();
    },
  };
}

function euiOf(f: Fuzz): string {
  return f.bytes(8).toString('hex');
}

function mutatedRxpk(f: Fuzz): Record<string, unknown> {
  const base = makeRxpk({
    payload: f.bytes(f.int(0, 80)),
    freqHz: f.pick([868_100_000, 868_300_000, 867_500_000]),
    tmst: f.int(0, 2 ** 32 - 1),
    time: f.bool(0.3) ? new Date(Date.UTC(2026, 0, 1) + f.int(0, 1e10)).toISOString() : undefined,
    tmms: f.bool(0.2) ? f.int(0, 2 ** 45) : undefined,
  });
  return f.bool(0.8) ? f.mutate(base) : base;
}

function randomDatagram(f: Fuzz): Buffer {
  const version = f.pick([1, 2, 2, 2, 3] as const);
  const token = f.int(0, 0xffff);
  switch (f.int(0, 7)) {
    case 0:
      return f.bytes(f.int(0, 600));
    case 1:
      return Buffer.concat([Buffer.from([version, token >> 8, token & 0xff, f.int(0, 6)]), f.bytes(8), f.bytes(f.int(0, 200))]);
    case 2:
    case 3: {
      const rxpk = Array.from({ length: f.int(0, 8) }, () => (f.bool(0.9) ? mutatedRxpk(f) : f.json(2)));
      const json: Record<string, unknown> = { rxpk };
      if (f.bool(0.3)) json.stat = f.mutate({ time: '2026-12-06 10:00:00 GMT', rxnb: 1, rxok: 1, rxfw: 1, ackr: 100, dwnb: 0, txnb: 0 });
      return buildPushData(version === 3 ? 2 : version, token, euiOf(f), f.bool(0.9) ? json : { rxpk: f.json(3) });
    }
    case 4: {
      const text = Buffer.from(JSON.stringify(f.json(4)) ?? 'null');
      return Buffer.concat([Buffer.from([2, token >> 8, token & 0xff, 0]), f.bytes(8), f.bool(0.5) ? text : text.subarray(0, f.int(0, text.length))]);
    }
    case 5:
      return buildPullData(version === 3 ? 2 : version, token, euiOf(f));
    case 6:
      return buildTxAck(2, token, euiOf(f), f.bool(0.5) ? { error: f.pick(['NONE', 'TOO_LATE', 'TX_FREQ', f.text(30)]) } : undefined);
    default: {
      const txAck = Buffer.concat([Buffer.from([2, token >> 8, token & 0xff, 5]), f.bytes(8)]);
      return Buffer.concat([txAck, Buffer.from(JSON.stringify({ txpk_ack: f.json(2) }) ?? '')]);
    }
  }
}

/** Paths of null values and of numbers JSON cannot carry (a NaN/Infinity became null on the way). */
function nullOrNonFinite(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (typeof value === 'string' && /^-?(NaN|Infinity)$/.test(value)) return [path];
  if (typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => nullOrNonFinite(v, `${path}.${k}`));
}

function checkProperties(h: Harness, where: string): void {
  const c = h.source.counters();
  assert.is(c.handler_errors, 0, `${where}: a handler threw`);
  assert.is(h.pipeline.counters.dropped.internal_error ?? 0, 0, `${where}: the pipeline caught an internal error`);
  for (const frame of h.frames) {
    const bad = checkRadioFrame(frame, ['eu868']);
    assert.is(bad, undefined, `${where}: implausible frame passed on: ${JSON.stringify(bad)}`);
  }
  for (const record of h.records) {
    const r = record.radio;
    assert.ok(Number.isSafeInteger(r.frequency), `${where}: frequency ${r.frequency}`);
    assert.ok(Number.isFinite(r.rssi) && (r.snr === null || Number.isFinite(r.snr)), `${where}: rssi/snr`);
    assertValidBatch(JSON.parse(JSON.stringify(buildHubBatch(GW, [record], Date.now(), 0))));
  }
  for (const text of h.live) {
    const holes = nullOrNonFinite(JSON.parse(text));
    assert.equal(holes, [], `${where}: live message has null or non-finite fields: ${text.slice(0, 500)}`);
    const msg = JSON.parse(text) as { txInfo: { frequency: unknown }; rxInfo: { rssi: unknown; snr?: unknown } };
    assert.ok(Number.isSafeInteger(msg.txInfo.frequency), `${where}: live frequency ${String(msg.txInfo.frequency)}`);
    // Proto3 JSON leaves zero out: an absent rssi is 0.
    assert.ok(msg.rxInfo.rssi === undefined || Number.isInteger(msg.rxInfo.rssi), `${where}: live rssi ${String(msg.rxInfo.rssi)}`);
  }
  const sizes = h.source.tableSizes();
  assert.ok(sizes.targets <= MAX_GATEWAYS && sizes.stats <= MAX_GATEWAYS && sizes.tmstOwners <= 2 * TMST_OWNERS_KEPT, `${where}: ${JSON.stringify(sizes)}`);
}

test('fixed cases from issue 18: absurd radio metadata (item 6), many gateway EUIs (item 7)', async () => {
  const h = await harness();
  try {
    const absurd = { ...makeRxpk({ payload: Buffer.from('absurd') }), freq: 1e308, rssi: -1e308, lsnr: 1e308 };
    const cases: Array<[string, Record<string, unknown>]> = [
      ['freq 1e308', absurd],
      ['rssi -1e308', { ...makeRxpk({ payload: Buffer.from('a1') }), rssi: -1e308 }],
      ['lsnr 1e308', { ...makeRxpk({ payload: Buffer.from('a2') }), lsnr: 1e308 }],
      ['freq 433 MHz', makeRxpk({ payload: Buffer.from('a3'), freqHz: 433_175_000 })],
      ['time year 275760', { ...makeRxpk({ payload: Buffer.from('a4') }), time: '+275760-09-13T00:00:00Z' }],
      ['time 1970', { ...makeRxpk({ payload: Buffer.from('a5') }), time: '1970-01-01T00:00:00Z' }],
      ['tmms 2^52', { ...makeRxpk({ payload: Buffer.from('a6') }), tmms: 2 ** 52 }],
    ];
    for (const [, rxpk] of cases) h.send(buildPushData(2, 1, 'aa555a0000000101', { rxpk: [rxpk] }));
    h.send(buildPushData(2, 2, 'aa555a0000000101', { rxpk: [makeRxpk({ payload: Buffer.from('a sane frame') })] }));
    for (let i = 0; i < 5000; i++) {
      h.send(buildPullData(2, i & 0xffff, (0xfe00_0000_0000_0000n + BigInt(i)).toString(16)));
      if (i % 200 === 199) await h.settle();
    }
    await h.settle();
    assert.is(h.records.length, 1, 'only the sane frame is forwarded');
    const c = h.source.counters();
    assert.is(c.implausible_frequency + c.implausible_rssi + c.implausible_snr + c.implausible_gw_time + c.implausible_gps_time + c.rxpk_invalid_bad_field, cases.length);
    assert.ok(c.implausible_frequency >= 2 && c.implausible_rssi === 1 && c.implausible_snr === 1, JSON.stringify(c));
    checkProperties(h, 'fixed cases');
    assert.ok(c.pull_data > MAX_GATEWAYS * 10, `${c.pull_data} PULL_DATA handled`);
  } finally {
    await h.close();
  }
});

test('random and mutated datagrams: the properties hold after every batch', async () => {
  const f = fuzzFor('udp datagrams', 3000);
  const h = await harness();
  try {
    for (let i = 0; i < f.iterations; i++) {
      h.send(randomDatagram(f));
      if (i % 100 === 99) {
        await h.settle();
        checkProperties(h, `seed ${f.seed}, datagram ${i}`);
      }
    }
    await h.settle();
    checkProperties(h, `seed ${f.seed}, end`);
    const c = h.source.counters();
    console.log(`  [fuzz] ${c.datagrams_received} datagrams, ${c.datagrams_malformed} malformed, ${c.rx_frames} frames, ${h.records.length} records, ${c.rxpk_invalid} rxpk refused`);
    assert.ok(c.rx_frames > 0 && c.datagrams_malformed > 0, 'the generator reaches both good and bad paths');
  } finally {
    await h.close();
  }
});

test.run();
