// The batch publisher on a real outbox (LevelDB) with a broker that refuses some batches and
// acknowledges the others late and out of order: records then travel twice after rewinds, and the
// outbox must still count each deletion once (depth, bytes, the stored count after a reopen).
// Seeded; replay with LORA_EDGE_REWIND_OUTBOX_SEED.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Outbox } from '../../src/outbox/index.js';
import { BatchPublisher, type BatchSink } from '../../src/mqtt/batch-publisher.js';
import type { HubBatch } from '../../src/mqtt/hub-batch.js';
import { silentLogger } from '../../src/log.js';
import { removeDir, sampleRecord, tempDir } from '../fixtures/outbox/records.js';
import { seededRandom, seedFromEnv, type SeededRandom } from '../helpers/seeded-random.js';

class FlakyBroker implements BatchSink {
  online = true;
  onlineSince = 0;
  readonly seen = new Set<number>();
  constructor(private readonly rng: SeededRandom, private readonly refuseProbability: number) {}
  publish(_topic: string, payload: Buffer): Promise<void> {
    const refuse = this.rng.next() < this.refuseProbability;
    const delay = this.rng.int(0, 15);
    if (!refuse) for (const r of (JSON.parse(payload.toString('utf8')) as HubBatch).records) this.seen.add(r.seq);
    return new Promise((resolve, reject) => setTimeout(() => (refuse ? reject(new Error('refused')) : resolve()), delay));
  }
}

test('refused batches beside acknowledged ones: every record delivered, each deletion counted once', async () => {
  const seed = seedFromEnv('LORA_EDGE_REWIND_OUTBOX_SEED', 'publisher rewinds on a real outbox');
  const rng = seededRandom(seed);
  for (let round = 0; round < 3; round++) {
    const dir = tempDir();
    let ob = await Outbox.open({ dir, flushMaxRecords: 1000 });
    const n = rng.int(300, 900);
    try {
      for (let i = 1; i <= n; i++) ob.append(sampleRecord(i));
      await ob.flush();
      const broker = new FlakyBroker(rng, 0.1 + rng.next() * 0.25);
      const fwd = new BatchPublisher(ob, broker, {
        gatewayId: '0016c001ff10a235', topic: 't', maxRecords: rng.int(5, 40), maxBytes: 1 << 20, inflight: rng.int(2, 8),
        compression: 'none', logger: silentLogger(),
      });
      // No back-off between retries in a test (the publisher holds for seconds after failures).
      const unhold = setInterval(() => ((fwd as unknown as { holdUntil: number }).holdUntil = 0), 2);
      fwd.wake();
      const deadline = Date.now() + 60_000;
      while (broker.seen.size < n || ob.stats().depth > 0) {
        if (Date.now() > deadline) assert.unreachable(`seed ${seed} round ${round}: not all delivered: ${JSON.stringify({ seen: broker.seen.size, n, stats: ob.stats(), fwd: fwd.counters })}`);
        await new Promise((r) => setTimeout(r, 10));
        fwd.wake();
      }
      await new Promise((r) => setTimeout(r, 50));
      clearInterval(unhold);
      fwd.stop();
      const st = ob.stats();
      assert.is(st.depth, 0, `seed ${seed} round ${round}`);
      assert.is(st.bytes, 0, `seed ${seed} round ${round}: bytes`);
      assert.is(st.acked, n, `seed ${seed} round ${round}: deletions counted ${st.acked} for ${n} records`);
      assert.is(fwd.counters.gapsDetected, 0, `seed ${seed} round ${round}: gaps`);
      await ob.close();
      ob = await Outbox.open({ dir });
      assert.is(ob.stats().depth, 0, `seed ${seed} round ${round}: stored count after reopen`);
    } finally {
      await ob.close().catch(() => undefined);
      removeDir(dir);
    }
  }
});

test.run();
