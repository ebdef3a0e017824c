// Reading the outbox in seq order: live traffic from the recent cache, the backlog from LevelDB
// (undecodable values found on the way are deleted and counted). The batch publisher takes the stored
// bytes (readStored) so no record is parsed or serialised again on its way into a batch.
import type { Logger } from '../log.js';
import type { OutboxRecord } from './record.js';
import { RECORD_KEY_END, recordKey } from './keys.js';
import { OutboxArgumentError } from './errors.js';
import { positiveInteger, type ResolvedOptions } from './options.js';
import type { ReadMemo } from './read-memo.js';
import type { SerialQueue } from '../serial-queue.js';
import type { StoredState } from './stored-state.js';
import { StoredRecord } from './stored-record.js';
import { scanRecord } from './record-scan.js';
import { readRange, type StoredEntry, refOf } from './store.js';

export class OutboxReader {
  constructor(
    private readonly state: StoredState,
    private readonly serial: SerialQueue,
    private readonly memo: ReadMemo,
    private readonly opts: ResolvedOptions,
    private readonly log: Logger,
  ) {}

  async readRecords(afterSeq: number, maxRecords: number, maxBytes: number): Promise<OutboxRecord[]> {
    return (await this.readStored(afterSeq, maxRecords, maxBytes)).map((s) => s.record());
  }

  async readStored(afterSeq: number, maxRecords: number, maxBytes: number): Promise<StoredRecord[]> {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
      throw new OutboxArgumentError(`readBatch: afterSeq must be a non-negative integer, got ${String(afterSeq)}`);
    }
    positiveInteger('readBatch maxRecords', maxRecords);
    positiveInteger('readBatch maxBytes', maxBytes);
    if (this.state.recent.covers(afterSeq)) {
      // Live traffic: just written, still in memory, and encoded by us: nothing to check or parse.
      return this.state.recent.read(afterSeq, maxRecords, maxBytes).map((e) => new StoredRecord(e.seq, e.capturedAt, e.value, e.clock ?? null));
    }
    const out: StoredRecord[] = [];
    const outEntries: StoredEntry[] = [];
    const corrupt: Array<StoredEntry & { reason: string }> = [];
    let usedBytes = 0;
    let cursor = recordKey(afterSeq);
    let full = false;
    while (!full && out.length < maxRecords && usedBytes < maxBytes) {
      const want = maxRecords - out.length;
      // Only what the batch can carry (one entry beyond, to see where it ends): the rest of the
      // range is read by the next batch.
      const budget = maxBytes - usedBytes;
      const entries = await readRange(this.state.db, { gt: cursor, lt: RECORD_KEY_END }, want, budget);
      let rangeBytes = 0;
      for (const entry of entries) {
        rangeBytes += entry.value.length;
        cursor = entry.key;
        // Checked (record-scan.ts): a damaged value spliced into a batch would spoil the whole batch.
        const scanned = scanRecord(entry.seq, entry.value);
        if (!scanned.ok) {
          corrupt.push({ ...entry, reason: scanned.reason });
          continue;
        }
        if (out.length > 0 && usedBytes + entry.value.length > maxBytes) {
          full = true;
          break;
        }
        out.push(new StoredRecord(entry.seq!, scanned.capturedAt, entry.value, scanned.clock));
        outEntries.push(entry);
        usedBytes += entry.value.length;
      }
      // Fewer entries than asked for and within the byte budget: the range is exhausted. Otherwise
      // only skipped corrupt values can have left room, and the next pass continues after them.
      if (entries.length < want && rangeBytes < budget) break;
    }
    if (corrupt.length > 0) await this.serial.run(() => this.deleteCorrupt(corrupt));
    // The memo keeps what a deletion needs (key, seq, size), not the value buffers.
    else if (out.length > 0) this.memo.remember(out[0].seq, out[out.length - 1].seq, outEntries.map(refOf));
    return out;
  }

  private async deleteCorrupt(items: Array<StoredEntry & { reason: string }>): Promise<void> {
    this.memo.clear();
    // Re-read inside the queue: an overflow drop may already have removed some of them.
    const values = await this.state.db.getMany(items.map((i) => i.key));
    const present: StoredEntry[] = [];
    const reasons: string[] = [];
    items.forEach((item, j) => {
      const value = values[j];
      if (value !== undefined) {
        present.push({ key: item.key, seq: item.seq, value });
        reasons.push(item.reason);
      }
    });
    if (present.length === 0) return;
    await this.state.deleteEntries(present.map(refOf));
    this.state.counters.dropped.corrupt += present.length;
    present.forEach((entry, j) => {
      this.log.warn(
        { dir: this.opts.dir, key: entry.key.toString('hex'), seq: entry.seq, reason: reasons[j] },
        'outbox: deleted an undecodable record',
      );
    });
  }
}
