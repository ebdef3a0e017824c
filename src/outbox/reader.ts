// Reading the outbox in seq order: live traffic from the recent cache, the backlog from LevelDB
// (undecodable values found on the way are deleted and counted). The batch publisher takes the stored
// bytes (readStored) so no record is parsed or serialised again on its way into a batch.
import type { Logger } from '../log.js';
import type { OutboxRecord } from './record.js';
import { OutboxArgumentError } from './errors.js';
import { positiveInteger, type ResolvedOptions } from './options.js';
import type { ReadMemo } from './read-memo.js';
import type { SerialQueue } from '../serial-queue.js';
import { deletionOf, type StoredState } from './stored-state.js';
import { StoredRecord } from './stored-record.js';
import { scanRecord } from './record-scan.js';
import { readAfter, readKeys, type StoredEntry, refOf } from './store.js';

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
      return this.state.recent.read(afterSeq, maxRecords, maxBytes);
    }
    const out: StoredRecord[] = [];
    const outEntries: StoredEntry[] = [];
    const corrupt: Array<StoredEntry & { reason: string }> = [];
    let usedBytes = 0;
    let cursor = afterSeq;
    let full = false;
    // Sizes the reads to the byte budget: the average stored value.
    const typicalValueBytes = this.state.meta.count > 0 ? this.state.meta.bytes / this.state.meta.count : undefined;
    while (!full && out.length < maxRecords && usedBytes < maxBytes) {
      // Only what the batch can carry (one entry beyond, to see where it ends): the rest of the
      // backlog is read by the next batch.
      const read = await readAfter(this.state.db, cursor, maxRecords - out.length, {
        maxValueBytes: maxBytes - usedBytes,
        typicalValueBytes,
      });
      for (const entry of read.entries) {
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
      cursor = read.cursor;
      // Otherwise only skipped corrupt values can have left room, and the next pass reads on.
      if (read.exhausted) break;
    }
    if (corrupt.length > 0) await this.serial.run(() => this.deleteCorrupt(corrupt));
    // The memo keeps what a deletion needs (key, seq, size), not the value buffers.
    else if (out.length > 0) this.memo.remember(out[0].seq, out[out.length - 1].seq, outEntries.map(refOf));
    return out;
  }

  private async deleteCorrupt(listed: Array<StoredEntry & { reason: string }>): Promise<void> {
    this.memo.clear();
    // Once each: a key listed twice would be counted (and taken off the meta) twice.
    const byKey = new Map(listed.map((i) => [i.key.toString('hex'), i]));
    // Re-read inside the queue: an overflow drop may already have removed some of them.
    const present = await readKeys(this.state.db, [...byKey.values()].map((i) => i.key));
    if (present.length === 0) return;
    await this.state.deleteEntries(deletionOf(present));
    this.state.counters.dropped.corrupt += present.length;
    present.forEach((entry) => {
      const key = entry.key.toString('hex');
      this.log.warn(
        { dir: this.opts.dir, key, seq: entry.seq, reason: byKey.get(key)?.reason },
        'outbox: deleted an undecodable record',
      );
    });
  }
}
