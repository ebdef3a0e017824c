// The batch publisher with hub acknowledgements (batch.hubAck) against a scripted outbox, broker and
// hub: records are deleted on the hub's word only, a broker that drops batches it acknowledged loses
// nothing, the window bounds what waits for the hub, and no record is ever deleted (counted) twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BatchPublisher, type BatchSink, type BatchSource } from '../../../src/mqtt/batch-publisher.js';
import type { OutboxRecord } from '../../../src/outbox/record.js';
import { hubAckMessage, type HubBatch } from '../../../src/mqtt/hub-batch.js';
import { silentLogger } from '../../../src/log.js';
import { testOutboxRecord } from '../../helpers/outbox-record.js';
import { seededRandom, seedFromEnv, type SeededRandom } from '../../helpers/seeded-random.js';

const record = testOutboxRecord;

/**
 * An in-memory outbox that counts like the real one: an exact seq list is checked against the store
 * (only present records count), while a range is trusted (the real outbox takes a range's sizes from
 * what it read before, without reading again), so a range acknowledged twice is counted twice.
 */
class CountingSource implements BatchSource {
  readonly stored = new Map<number, OutboxRecord>();
  readonly removed = new Set<number>();
  /** Deletions counted, as the outbox's depth would drop. */
  counted = 0;
  constructor(n: number) {
    for (let s = 1; s <= n; s++) this.stored.set(s, record(s));
  }
  async readBatch(afterSeq: number, maxRecords: number): Promise<OutboxRecord[]> {
    const out: OutboxRecord[] = [];
    for (const s of [...this.stored.keys()].sort((a, b) => a - b)) {
      if (s > afterSeq) out.push(this.stored.get(s)!);
      if (out.length === maxRecords) break;
    }
    return out;
  }
  async ack(delivered: { from: number; to: number } | number[]): Promise<void> {
    if (Array.isArray(delivered)) {
      for (const s of delivered) if (this.stored.delete(s)) { this.removed.add(s); this.counted += 1; }
      return;
    }
    for (let s = delivered.from; s <= delivered.to; s++) {
      this.stored.delete(s);
      this.removed.add(s);
      this.counted += 1;
    }
  }
  headSeq(): number | null {
    let min: number | null = null;
    for (const s of this.stored.keys()) if (min === null || s < min) min = s;
    return min;
  }
  removedOnPurpose(from: number, to: number): boolean {
    for (let s = from; s <= to; s++) if (!this.removed.has(s)) return false;
    return true;
  }
}

/** A broker that acknowledges every batch but passes only some on to the hub. */
class LossyBroker implements BatchSink {
  online = true;
  onlineSince = 0;
  readonly toHub: HubBatch[] = [];
  dropProbability = 0;
  constructor(private readonly rng: SeededRandom) {}
  async publish(_topic: string, payload: Buffer): Promise<void> {
    const batch = JSON.parse(payload.toString('utf8')) as HubBatch;
    if (this.rng.next() >= this.dropProbability) this.toHub.push(batch);
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function publisher(source: BatchSource, sink: BatchSink, hubAck = { timeoutMs: 60, window: 4 }) {
  return new BatchPublisher(source, sink, {
    gatewayId: '0016c001ff10a235', topic: 't', maxRecords: 10, maxBytes: 1 << 20, inflight: 8, compression: 'none',
    logger: silentLogger(), hubAck, stuckCheckMs: 10,
  });
}

test('the broker\'s PUBACK deletes nothing; the hub\'s acknowledgement does', async () => {
  const source = new CountingSource(25);
  const broker = new LossyBroker(seededRandom(1));
  const fwd = publisher(source, broker, { timeoutMs: 60_000, window: 8 });
  fwd.wake();
  await until(() => broker.toHub.length === 3, 'three batches at the broker');
  await until(() => fwd.counters.awaitingHub === 3, 'three batches waiting for the hub');
  assert.is(source.stored.size, 25, 'nothing deleted on PUBACK');
  await fwd.handleHubAck(Buffer.from(hubAckMessage([broker.toHub[1].batchId])));
  assert.is(source.stored.size, 15);
  assert.is(fwd.counters.recordsAcked, 10);
  await fwd.handleHubAck(Buffer.from(hubAckMessage(broker.toHub.map((b) => b.batchId))));
  assert.is(source.stored.size, 0);
  assert.is(source.counted, 25);
  assert.is(fwd.counters.hubAcked, 3);
  fwd.stop();
});

test('the window bounds the batches waiting for the hub', async () => {
  const source = new CountingSource(200);
  const broker = new LossyBroker(seededRandom(2));
  const fwd = publisher(source, broker, { timeoutMs: 60_000, window: 5 });
  fwd.wake();
  await until(() => broker.toHub.length === 5, 'the window filled');
  await new Promise((r) => setTimeout(r, 50));
  assert.is(broker.toHub.length, 5, 'no sixth batch before the hub confirms one');
  await fwd.handleHubAck(Buffer.from(hubAckMessage([broker.toHub[0].batchId])));
  await until(() => broker.toHub.length === 6, 'one more batch after one confirmation');
  fwd.stop();
});

test('hostile acknowledgements are refused and counted; unknown ids change nothing', async () => {
  const source = new CountingSource(10);
  const broker = new LossyBroker(seededRandom(3));
  const fwd = publisher(source, broker, { timeoutMs: 60_000, window: 4 });
  fwd.wake();
  await until(() => fwd.counters.awaitingHub === 1, 'one batch waiting');
  for (const bad of ['', 'null', '{}', '{"batchIds":"1-10"}', '{"batchIds":[1]}', '{"batchIds":["1-10; drop"]}', `{"batchIds":${JSON.stringify(Array(10_001).fill('1-10'))}}`]) {
    await fwd.handleHubAck(Buffer.from(bad));
  }
  assert.is(fwd.counters.hubAcksRefused, 7);
  await fwd.handleHubAck(Buffer.from(hubAckMessage(['1-9', '2-10', '999-1000'])));
  assert.is(source.stored.size, 10, 'ids of batches never sent delete nothing');
  await fwd.handleHubAck(Buffer.from(hubAckMessage(['1-10'])));
  assert.is(source.stored.size, 0);
  fwd.stop();
});

test('seeded: a broker that drops acknowledged batches and a hub that loses acknowledgements lose nothing, count nothing twice', async () => {
  const seed = seedFromEnv('LORA_EDGE_HUB_ACK_SEED', 'hub acknowledgements');
  const rng = seededRandom(seed);
  for (let round = 0; round < 5; round++) {
    const n = rng.int(50, 400);
    const source = new CountingSource(n);
    const broker = new LossyBroker(rng);
    broker.dropProbability = rng.next() * 0.4;
    const fwd = publisher(source, broker, { timeoutMs: rng.int(20, 80), window: rng.int(1, 12) });
    const hubHas = new Set<number>();
    let confirmed = 0;
    // The hub: commits what reaches it, acknowledges in random groups, sometimes late, sometimes lost.
    const hub = setInterval(() => {
      const arrived = broker.toHub.splice(0, rng.int(0, broker.toHub.length));
      const ids: string[] = [];
      for (const b of arrived) {
        for (const r of b.records) hubHas.add(r.seq);
        if (rng.next() > 0.15) ids.push(b.batchId);
      }
      if (ids.length) void fwd.handleHubAck(Buffer.from(hubAckMessage(ids))).then(() => (confirmed += ids.length));
    }, 3);
    fwd.wake();
    try {
      await until(() => source.stored.size === 0, `seed ${seed} round ${round}: every record confirmed`, 20_000);
    } finally {
      clearInterval(hub);
      fwd.stop();
    }
    for (let s = 1; s <= n; s++) assert.ok(hubHas.has(s), `seed ${seed} round ${round}: seq ${s} deleted without reaching the hub`);
    assert.is(source.counted, n, `seed ${seed} round ${round}: deletions counted ${source.counted} for ${n} records`);
    assert.is(fwd.counters.gapsDetected, 0, `seed ${seed} round ${round}: no seq gap`);
    assert.ok(confirmed > 0);
  }
});

test('a hub quicker than the broker\'s PUBACK: its word is kept until the PUBACK comes', async () => {
  const source = new CountingSource(30);
  const hubSaw: string[] = [];
  let release: () => void = () => undefined;
  const pubacks = new Promise<void>((r) => (release = r));
  const slowPuback: BatchSink = {
    online: true,
    onlineSince: 0,
    async publish(_t: string, payload: Buffer) {
      hubSaw.push((JSON.parse(payload.toString('utf8')) as HubBatch).batchId);
      await pubacks;
    },
  };
  const fwd = publisher(source, slowPuback, { timeoutMs: 60_000, window: 8 });
  fwd.wake();
  await until(() => hubSaw.length === 3, 'three batches at the hub');
  await fwd.handleHubAck(Buffer.from(hubAckMessage(hubSaw)));
  assert.is(source.stored.size, 30, 'nothing deleted before the PUBACK');
  release();
  await until(() => source.stored.size === 0, 'deleted once the PUBACKs came');
  assert.is(fwd.counters.hubAcked, 3);
  assert.is(fwd.counters.awaitingHub, 0);
  assert.is(fwd.counters.gapsDetected, 0);
  fwd.stop();
});

/** A broker that refuses some batches and acknowledges the others late, out of order. */
class FlakyBroker implements BatchSink {
  online = true;
  onlineSince = 0;
  readonly received: HubBatch[] = [];
  constructor(private readonly rng: SeededRandom, private readonly refuseProbability: number) {}
  publish(_topic: string, payload: Buffer): Promise<void> {
    const refuse = this.rng.next() < this.refuseProbability;
    const delay = this.rng.int(0, 8);
    if (!refuse) this.received.push(JSON.parse(payload.toString('utf8')) as HubBatch);
    return new Promise((resolve, reject) => setTimeout(() => (refuse ? reject(new Error('refused')) : resolve()), delay));
  }
}

test('seeded, PUBACK mode: batches refused while later ones succeed are re-sent, and no record is counted twice', async () => {
  const seed = seedFromEnv('LORA_EDGE_REWIND_SEED', 'rewinds with batches in flight');
  const rng = seededRandom(seed);
  for (let round = 0; round < 5; round++) {
    const n = rng.int(100, 400);
    const source = new CountingSource(n);
    const broker = new FlakyBroker(rng, rng.next() * 0.3);
    const fwd = new BatchPublisher(source, broker, {
      gatewayId: '0016c001ff10a235', topic: 't', maxRecords: rng.int(3, 12), maxBytes: 1 << 20, inflight: rng.int(2, 8), compression: 'none',
      logger: silentLogger(),
    });
    // No back-off in the test: failures while connected would otherwise hold the publisher for seconds.
    (fwd as unknown as { holdUntil: number }).holdUntil = 0;
    const timer = setInterval(() => ((fwd as unknown as { holdUntil: number }).holdUntil = 0), 1);
    fwd.wake();
    try {
      await until(() => source.stored.size === 0, `seed ${seed} round ${round}: every record delivered`, 30_000);
    } finally {
      clearInterval(timer);
      fwd.stop();
    }
    const seen = new Set(broker.received.flatMap((b) => b.records.map((r) => r.seq)));
    for (let s = 1; s <= n; s++) assert.ok(seen.has(s), `seed ${seed} round ${round}: seq ${s} never reached the broker`);
    assert.is(source.counted, n, `seed ${seed} round ${round}: deletions counted ${source.counted} for ${n} records`);
  }
});

test.run();
