// The hub's side in tests: collects batches, validates each against the schema, de-duplicates by
// (gatewayId, seq) and keeps the order of first arrival.
import * as assert from 'uvu/assert';
import type { HubBatch } from '../../src/mqtt/hub-batch.js';
import type { BatchRecord } from '../../src/outbox/record.js';
import { batchFilter } from '../../src/mqtt/chirpstack/topics.js';
import { Collector } from './mqtt-collector.js';
import { assertValidBatch } from './spine-scenarios.js';

export class TestHub {
  readonly firstArrivals: BatchRecord[] = [];
  duplicates = 0;
  batches = 0;
  private readonly seen = new Set<number>();
  private parsed = 0;

  private constructor(readonly collector: Collector) {}

  static async connect(url: string): Promise<TestHub> {
    return new TestHub(await Collector.connect(url, [batchFilter('eu868')]));
  }

  private sync(): void {
    for (; this.parsed < this.collector.messages.length; this.parsed++) {
      const batch = JSON.parse(this.collector.messages[this.parsed].payload.toString()) as HubBatch;
      assertValidBatch(batch);
      this.batches += 1;
      for (const r of batch.records) {
        if (this.seen.has(r.seq)) this.duplicates += 1;
        else {
          this.seen.add(r.seq);
          this.firstArrivals.push(r);
        }
      }
    }
  }

  get unique(): number {
    this.sync();
    return this.seen.size;
  }

  seqs(): number[] {
    this.sync();
    return this.firstArrivals.map((r) => r.seq);
  }

  async waitForUnique(n: number, timeoutMs = 20_000): Promise<void> {
    await this.collector.waitFor(() => this.unique >= n, `${n} unique records at the hub (have ${this.unique})`, timeoutMs);
  }

  assertInOrder(): void {
    const seqs = this.seqs();
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], `records out of order at ${i}: ${seqs[i - 1]} then ${seqs[i]}`);
  }

  close(): Promise<void> {
    return this.collector.close();
  }
}
