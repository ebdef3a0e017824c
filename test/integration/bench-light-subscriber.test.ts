// The spine bench's hub subscriber counts what the daemon delivered: against a real broker it must
// see every message once, whole (large batches split over many TCP reads, many small ones packed in
// one), in order, and acknowledge QoS 1 so the broker's in-flight window never stalls delivery.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import { startAedes, startMosquitto, systemTier, type TestBroker } from '../helpers/brokers.js';
import { BatchRecordCount, LightSubscriber, batchSeqRange } from '../../scripts/bench/light-subscriber.js';
import { fitHubBatch } from '../../src/mqtt/batch-fit.js';
import { sampleRecord } from '../fixtures/outbox/records.js';
import type { OutboxRecord } from '../../src/outbox/record.js';
import { seedFromEnv, seededRandom } from '../helpers/seeded-random.js';

async function deliversEverything(broker: TestBroker): Promise<void> {
  const random = seededRandom(seedFromEnv('LORA_EDGE_LIGHT_SUB_SEED', `light subscriber (${broker.kind})`));
  const seed = random.seed;
  const got: Array<{ topic: string; payload: Buffer }> = [];
  let sub: LightSubscriber | undefined;
  const pub = mqtt.connect(broker.url, { clientId: 'light-sub-publisher', protocolVersion: 4 });
  try {
    sub = await LightSubscriber.connect(
      broker.url,
      'light-sub',
      [{ topic: 'gw/hub/batch', qos: 1 }, { topic: 'gw/event/up', qos: 0 }],
      (topic, payload) => got.push({ topic, payload: Buffer.from(payload) }),
    );
    if (!pub.connected) await new Promise<void>((r) => pub.once('connect', () => r()));
    const sent: Array<{ topic: string; payload: Buffer }> = [];
    // More QoS 1 messages than a broker keeps in flight unacknowledged.
    for (let i = 0; i < 400; i++) {
      const batch = random.chance(0.3);
      const size = batch ? random.pick([0, 1, 127, 128, 16_383, 16_384, random.int(0, 300_000)]) : random.int(0, 300);
      const message = { topic: batch ? 'gw/hub/batch' : 'gw/event/up', payload: random.bytes(size) };
      sent.push(message);
      await pub.publishAsync(message.topic, message.payload, { qos: batch ? 1 : 0 });
    }
    const deadline = Date.now() + 10_000;
    while (got.length < sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.is(got.length, sent.length, `seed ${seed}: every message`);
    for (let i = 0; i < sent.length; i++) {
      assert.is(got[i].topic, sent[i].topic, `seed ${seed}: message ${i} topic`);
      assert.ok(got[i].payload.equals(sent[i].payload), `seed ${seed}: message ${i} payload (${sent[i].payload.length} bytes)`);
    }
  } finally {
    await sub?.close();
    await pub.endAsync(true);
    await broker.stop();
  }
}

test('seeded: QoS 0 and QoS 1 messages of 0 bytes to 300 KB arrive whole, once and in order (aedes)', async () => {
  await deliversEverything(await startAedes());
});

// A stock mosquitto stops sending QoS 1 messages after 20 unacknowledged ones (the test helper lifts
// that limit for other tests): this one needs the PUBACKs.
const mosquitto = systemTier('mosquitto');
(mosquitto.available || mosquitto.required ? test : test.skip)('the same against mosquitto, past its in-flight window', async () => {
  assert.ok(mosquitto.available, 'mosquitto is required for the system tier (apt-get install mosquitto)');
  await deliversEverything(await startMosquitto({ extraConfig: ['max_inflight_messages 20'] }));
});

test('seeded: batchSeqRange reads the first and last record seq of real batches, whatever their decoded data', () => {
  const random = seededRandom(seedFromEnv('LORA_EDGE_LIGHT_SUB_SEED', 'batch record count'));
  const nasty = ['{"seq":1}', '[{', '}]', '\\', '"', '\\"{', 'ü€😀', '\u0000'];
  const value = (depth: number): unknown => {
    const kind = random.int(0, depth > 3 ? 2 : 4);
    if (kind === 0) return random.pick(nasty) + random.int(0, 9);
    if (kind === 1) return random.int(-5, 5);
    if (kind === 2) return random.pick([null, true, false]);
    if (kind === 3) return Array.from({ length: random.int(0, 3) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: random.int(0, 3) }, (_, i) => [random.pick(['seq', 'records', '{', `k${i}`]), value(depth + 1)]));
  };
  for (let round = 0; round < 200; round++) {
    const firstSeq = random.int(1, 2 ** 40);
    const records = Array.from({ length: random.int(1, 40) }, (_, i): OutboxRecord => {
      const r = { ...sampleRecord(i + 1), seq: firstSeq + i } as OutboxRecord;
      if (random.chance(0.7)) r.decoded = { data: value(0) as Record<string, unknown>, warnings: [], errors: [] } as unknown as OutboxRecord['decoded'];
      return r;
    });
    const fitted = fitHubBatch('0016c001ff10a235', records, Date.UTC(2026, 0, 2), 0, 1024 * 1024);
    if (fitted.kind !== 'batch') continue;
    assert.is(batchSeqRange(Buffer.from('{"records":[]}')), null);
    const parsed = JSON.parse(fitted.json.toString()) as { records: Array<{ seq: number }> };
    assert.equal(
      batchSeqRange(fitted.json),
      { first: parsed.records[0].seq, last: parsed.records[parsed.records.length - 1].seq },
      `seed ${random.seed}, round ${round}`,
    );
  }
});

test('seeded: BatchRecordCount counts the records of consecutive batches and flags a batch received twice', () => {
  const random = seededRandom(seedFromEnv('LORA_EDGE_LIGHT_SUB_SEED', 'batch record count totals'));
  const count = new BatchRecordCount();
  const payloads: Buffer[] = [];
  let seq = 1;
  for (let b = 0; b < 30; b++) {
    const records = Array.from({ length: random.int(1, 25) }, (): OutboxRecord => ({ ...sampleRecord(seq), seq: seq++ }) as OutboxRecord);
    const fitted = fitHubBatch('0016c001ff10a235', records, Date.UTC(2026, 0, 2), 0, 1024 * 1024);
    assert.is(fitted.kind, 'batch', `seed ${random.seed}`);
    if (fitted.kind === 'batch') payloads.push(fitted.json);
  }
  for (const p of payloads) count.add(p);
  assert.is(count.records, seq - 1, `seed ${random.seed}`);
  assert.is(count.mismatch(), null, `seed ${random.seed}`);
  count.add(random.pick(payloads));
  assert.match(String(count.mismatch()), /highest seq is \d+ \(a re-sent batch, or gaps\)/);
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    const value = await promise;
    if (value instanceof LightSubscriber) await value.close();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

test('a refused subscription and a closed connection are errors, not a silent wait', async () => {
  const broker = await startAedes();
  try {
    const err = await rejection(LightSubscriber.connect(broker.url, 'light-sub-bad', [{ topic: 'a/#/b', qos: 0 }], () => undefined));
    assert.match(err.message, /refused a subscription|closed the connection/);
  } finally {
    await broker.stop();
  }
  const gone = await rejection(LightSubscriber.connect(broker.url, 'light-sub-gone', [{ topic: 'x', qos: 0 }], () => undefined));
  assert.match(gone.message, /ECONNREFUSED|closed/);
});

test.run();
