// The batch forwarder against a scripted outbox and MQTT sink: publish order with gzip, holes in
// what it reads, records passed over, batches whose acknowledgement never comes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gunzipSync } from 'node:zlib';
import { BatchPublisher, type BatchSink, type BatchSource } from '../../../src/mqtt/batch-publisher.js';
import type { OutboxRecord } from '../../../src/outbox/record.js';
import { isGzip, type HubBatch } from '../../../src/mqtt/hub-batch.js';
import { silentLogger } from '../../../src/log.js';
import { testOutboxRecord } from '../../helpers/outbox-record.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { randomSeed } from '../../helpers/faults/prng.js';

const record = testOutboxRecord;

/** An in-memory outbox; `hide` makes reads pass over some stored seqs (a faulty read path). */
class ScriptedSource implements BatchSource {
  readonly stored = new Map<number, OutboxRecord>();
  readonly removed = new Set<number>();
  hide = new Set<number>();
  constructor(records: OutboxRecord[]) {
    for (const r of records) this.stored.set(r.seq, r);
  }
  async readBatch(afterSeq: number, maxRecords: number): Promise<OutboxRecord[]> {
    const seqs = [...this.stored.keys()].filter((s) => s > afterSeq && !this.hide.has(s)).sort((a, b) => a - b);
    return seqs.slice(0, maxRecords).map((s) => this.stored.get(s)!);
  }
  /** Like the real outbox: a range deletes every stored seq in it, a list exactly those seqs. */
  async ack(delivered: { from: number; to: number } | number[]): Promise<void> {
    const seqs = Array.isArray(delivered) ? delivered : Array.from({ length: delivered.to - delivered.from + 1 }, (_, i) => delivered.from + i);
    for (const s of seqs) {
      if (this.stored.delete(s)) this.removed.add(s);
    }
  }
  headSeq(): number | null {
    const seqs = [...this.stored.keys()];
    return seqs.length ? Math.min(...seqs) : null;
  }
  removedOnPurpose(from: number, to: number): boolean {
    for (let s = from; s <= to; s++) if (!this.removed.has(s)) return false;
    return true;
  }
}

class ScriptedSink implements BatchSink {
  online = true;
  onlineSince = 0;
  readonly published: HubBatch[] = [];
  /** Publishes whose acknowledgement is withheld (their promise never settles). */
  swallow = 0;
  async publish(_topic: string, payload: Buffer): Promise<void> {
    const batch = JSON.parse((isGzip(payload) ? gunzipSync(payload) : payload).toString('utf8')) as HubBatch;
    this.published.push(batch);
    if (this.swallow > 0) {
      this.swallow -= 1;
      return new Promise(() => undefined);
    }
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function forwarder(source: BatchSource, sink: BatchSink, extra: Partial<ConstructorParameters<typeof BatchPublisher>[2]> = {}) {
  return new BatchPublisher(source, sink, {
    gatewayId: '0016c001ff10a235', topic: 't', maxRecords: 10, maxBytes: 1 << 20, inflight: 8, compression: 'none',
    logger: silentLogger(), ...extra,
  });
}

test('gzip batches reach the broker in the order they were read, whatever their sizes', async () => {
  // A large batch then small ones: gzip finishes the small ones first, but the hand-off waits.
  const records = [...Array.from({ length: 300 }, (_, i) => record(i + 1, 4000)), ...Array.from({ length: 30 }, (_, i) => record(301 + i))];
  const source = new ScriptedSource(records);
  const sink = new ScriptedSink();
  const fwd = forwarder(source, sink, { compression: 'gzip', maxRecords: 300, maxBytes: 1 << 30 });
  // Read the big batch, then small ones: a second read size for the tail.
  const read = source.readBatch.bind(source);
  source.readBatch = (after: number, max: number) => read(after, after >= 300 ? 5 : max);
  fwd.wake();
  await until(() => source.stored.size === 0, 'all records delivered');
  fwd.stop();
  const firstSeqs = sink.published.map((b) => b.records[0].seq);
  assert.equal(firstSeqs, [...firstSeqs].sort((a, b) => a - b), `publish order ${firstSeqs.join(',')}`);
});

test('a hole no acknowledgement or counted drop explains is counted as a gap', async () => {
  const source = new ScriptedSource(Array.from({ length: 30 }, (_, i) => record(i + 1)));
  source.hide = new Set([12, 13]);
  const sink = new ScriptedSink();
  const fwd = forwarder(source, sink);
  fwd.wake();
  await until(() => fwd.counters.gapsDetected >= 1, 'the gap to be noticed');
  fwd.stop();
  assert.ok(fwd.counters.gapsDetected >= 1);
});

test('stored records passed over by a faulty read are found behind the cursor and sent', async () => {
  const source = new ScriptedSource(Array.from({ length: 30 }, (_, i) => record(i + 1)));
  source.hide = new Set([5, 6, 7]);
  const sink = new ScriptedSink();
  const fwd = forwarder(source, sink);
  fwd.wake();
  await until(() => source.stored.size === 3, 'everything visible delivered');
  source.hide.clear();
  fwd.wake();
  await until(() => source.stored.size === 0, 'the passed-over records delivered');
  fwd.stop();
  assert.ok(fwd.counters.skippedRepaired >= 1);
  const seqs = sink.published.flatMap((b) => b.records.map((r) => r.seq));
  for (const s of [5, 6, 7]) assert.ok(seqs.includes(s), `seq ${s} reached the hub`);
});

test('acknowledged later batches leave holes that are not gaps after a rewind', async () => {
  const source = new ScriptedSource(Array.from({ length: 40 }, (_, i) => record(i + 1)));
  const sink = new ScriptedSink();
  let calls = 0;
  const publish = sink.publish.bind(sink);
  // The first batch fails (as a publish refused while the link drops); later ones are acknowledged.
  sink.publish = async (topic, payload) => {
    calls += 1;
    if (calls === 1) throw new Error('Connection closed');
    return publish(topic, payload);
  };
  const fwd = forwarder(source, sink);
  fwd.wake();
  await until(() => source.stored.size === 0, 'all records delivered', 8000);
  fwd.stop();
  assert.is(fwd.counters.gapsDetected, 0);
});

test('a batch whose acknowledgement never comes is sent again instead of stalling delivery', async () => {
  const source = new ScriptedSource(Array.from({ length: 25 }, (_, i) => record(i + 1)));
  const sink = new ScriptedSink();
  sink.swallow = 1;
  const fwd = forwarder(source, sink, { stuckAfterMs: 100, stuckCheckMs: 20, inflight: 1 });
  fwd.wake();
  await until(() => source.stored.size === 0, 'all records delivered');
  fwd.stop();
  assert.is(fwd.counters.stuckBatches, 1);
  assert.ok(sink.published.filter((b) => b.records[0].seq === 1).length >= 2, 'the first batch was published again');
});

test('waiting while offline does not count towards giving a batch up', async () => {
  const source = new ScriptedSource(Array.from({ length: 5 }, (_, i) => record(i + 1)));
  const sink = new ScriptedSink();
  sink.swallow = 1;
  const fwd = forwarder(source, sink, { stuckAfterMs: 100, stuckCheckMs: 20 });
  fwd.wake();
  await until(() => sink.published.length === 1, 'the first publish');
  sink.online = false;
  await new Promise((r) => setTimeout(r, 300));
  fwd.stop();
  assert.is(fwd.counters.stuckBatches, 0);
});

/** Deletions wait until released (a serial queue busy with group writes) or fail when told to. */
class SlowDeleteSource extends ScriptedSource {
  private readonly held: Array<() => void> = [];
  inMemory: (afterSeq: number) => boolean = () => true;
  hold = true;
  failNext = 0;
  deletions = 0;
  override async ack(delivered: { from: number; to: number } | number[]): Promise<void> {
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('write failed');
    }
    this.deletions += 1;
    return super.ack(delivered);
  }
  release(): void {
    this.hold = false;
    for (const r of this.held.splice(0)) r();
  }
  get waiting(): number {
    return this.held.length;
  }
}

test('a live batch frees its slot at the PUBACK: slow deletions do not hold back the batches after it', async () => {
  const source = new SlowDeleteSource(Array.from({ length: 50 }, (_, i) => record(i + 1)));
  source.inMemory = () => true;
  const sink = new ScriptedSink();
  const fwd = forwarder(source, sink, { inflight: 1 });
  fwd.wake();
  // One slot, and no deletion has finished: every batch still went out.
  await until(() => sink.published.length === 5, 'every batch published while the deletions wait');
  assert.is(source.deletions, 0);
  assert.is(source.waiting, 5);
  assert.is(fwd.counters.recordsAcked, 0, 'counted delivered only once deleted');
  source.release();
  await until(() => source.stored.size === 0, 'all records deleted');
  fwd.stop();
  assert.is(fwd.counters.recordsAcked, 50);
  assert.is(fwd.counters.gapsDetected, 0);
  assert.is(fwd.counters.skippedRepaired, 0, 'records waiting for their deletion are behind the cursor on purpose');
});

test('a backlog batch keeps its slot until its records are deleted: a drain reads no further ahead than inflight', async () => {
  const source = new SlowDeleteSource(Array.from({ length: 50 }, (_, i) => record(i + 1)));
  source.inMemory = () => false;
  const sink = new ScriptedSink();
  const fwd = forwarder(source, sink, { inflight: 2 });
  fwd.wake();
  await until(() => source.waiting === 2, 'two deletions waiting');
  await new Promise((r) => setTimeout(r, 50));
  assert.is(sink.published.length, 2, 'no third batch while two wait for their deletion');
  source.release();
  await until(() => source.stored.size === 0, 'all records deleted');
  fwd.stop();
  assert.is(fwd.counters.recordsAcked, 50);
  assert.is(fwd.counters.gapsDetected, 0);
});

test('a deletion that fails after the PUBACK sends the batch again; nothing is lost', async () => {
  const source = new SlowDeleteSource(Array.from({ length: 30 }, (_, i) => record(i + 1)));
  source.inMemory = () => true;
  source.failNext = 1;
  const sink = new ScriptedSink();
  const fwd = forwarder(source, sink, { inflight: 2 });
  fwd.wake();
  await until(() => source.waiting >= 2, 'two deletions waiting');
  source.release();
  await until(() => source.stored.size === 0, 'all records deleted', 8000);
  fwd.stop();
  assert.is(fwd.counters.batchErrors, 1);
  const sent = sink.published.flatMap((b) => b.records.map((r) => r.seq));
  for (let s = 1; s <= 30; s++) assert.ok(sent.includes(s), `seq ${s} reached the hub`);
  assert.ok(sent.filter((s) => s === 1).length >= 2, 'the batch whose deletion failed was sent again');
  assert.is(fwd.counters.gapsDetected, 0);
});

test('seeded: PUBACKs, deletions and failures in random order and timing, every record deleted only after it was published', async () => {
  const seed = Number(process.env.LORA_EDGE_SEED ?? randomSeed());
  console.log(`batch-publisher seed ${seed} (LORA_EDGE_SEED=${seed} replays it)`);
  const rnd = seededRandom(seed);
  for (let round = 0; round < 5; round++) {
    const total = rnd.int(20, 120);
    const source = new ScriptedSource(Array.from({ length: total }, (_, i) => record(i + 1)));
    const published = new Set<number>();
    const ack = source.ack.bind(source);
    let deleteFailures = 0;
    source.ack = async (delivered) => {
      await new Promise((r) => setTimeout(r, rnd.int(0, 15)));
      const seqs = Array.isArray(delivered) ? delivered : Array.from({ length: delivered.to - delivered.from + 1 }, (_, i) => delivered.from + i);
      for (const s of seqs) if (source.stored.has(s)) assert.ok(published.has(s), `seed ${seed}: seq ${s} deleted before it was published`);
      if (rnd.chance(0.05)) {
        deleteFailures += 1;
        throw new Error('write failed');
      }
      return ack(delivered);
    };
    const sink = new ScriptedSink();
    const publish = sink.publish.bind(sink);
    sink.publish = async (topic, payload) => {
      const batch = JSON.parse(payload.toString('utf8')) as HubBatch;
      if (rnd.chance(0.05)) throw new Error('Connection closed');
      await new Promise((r) => setTimeout(r, rnd.int(0, 10)));
      for (const r of batch.records) published.add(r.seq);
      return publish(topic, payload);
    };
    const live = rnd.chance(0.5);
    (source as ScriptedSource & { inMemory?: () => boolean }).inMemory = () => live;
    const fwd = forwarder(source, sink, { inflight: rnd.int(1, 4), maxRecords: rnd.int(1, 12) });
    // The back-off after a failure while connected is 0.5 s doubling: keep the failures few.
    fwd.wake();
    await until(() => source.stored.size === 0, `seed ${seed} round ${round}: all records deleted`, 30_000);
    fwd.stop();
    assert.is(fwd.counters.gapsDetected, 0, `seed ${seed} round ${round}: no unexplained gap`);
    assert.ok(fwd.counters.batchErrors >= deleteFailures, `seed ${seed}: every failed deletion counted`);
    for (let s = 1; s <= total; s++) assert.ok(published.has(s), `seed ${seed}: seq ${s} reached the hub`);
  }
});

test.run();
