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
import type { CaptureClockFields } from '../clock/capture-stamp.js';
import { readRange, type StoredEntry } from './store.js';

/** One record read: stored bytes, and the parsed record when the read had to parse it anyway. */
interface ReadItem {
  seq: number;
  capturedAt: string;
  value: Buffer;
  record: OutboxRecord | null;
  clock: CaptureClockFields | null;
}

export class OutboxReader {
  constructor(
    private readonly state: StoredState,
    private readonly serial: SerialQueue,
    private readonly memo: ReadMemo,
    private readonly opts: ResolvedOptions,
    private readonly log: Logger,
  ) {}

  async readRecords(afterSeq: number, maxRecords: number, maxBytes: number): Promise<OutboxRecord[]> {
    const items = await this.read(afterSeq, maxRecords, maxBytes);
    return items.map((i) => i.record ?? (JSON.parse(i.value.toString('utf8')) as OutboxRecord));
  }

  async readStored(afterSeq: number, maxRecords: number, maxBytes: number): Promise<StoredRecord[]> {
    const items = await this.read(afterSeq, maxRecords, maxBytes);
    return items.map((i) => new StoredRecord(i.seq, i.capturedAt, i.value, i.clock));
  }

  private async read(afterSeq: number, maxRecords: number, maxBytes: number): Promise<ReadItem[]> {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
      throw new OutboxArgumentError(`readBatch: afterSeq must be a non-negative integer, got ${String(afterSeq)}`);
    }
    positiveInteger('readBatch maxRecords', maxRecords);
    positiveInteger('readBatch maxBytes', maxBytes);
    if (this.state.recent.covers(afterSeq)) {
      // Live traffic: just written, still in memory, and encoded by us: nothing to check or parse.
      return this.state.recent
        .read(afterSeq, maxRecords, maxBytes)
        .map((e) => ({ seq: e.seq, capturedAt: e.capturedAt, value: e.value, record: null, clock: e.clock ?? null }));
    }
    const out: ReadItem[] = [];
    const outEntries: StoredEntry[] = [];
    const corrupt: Array<StoredEntry & { reason: string }> = [];
    let usedBytes = 0;
    let cursor = recordKey(afterSeq);
    let full = false;
    while (!full && out.length < maxRecords) {
      const want = maxRecords - out.length;
      const entries = await readRange(this.state.db, { gt: cursor, lt: RECORD_KEY_END }, want);
      for (const entry of entries) {
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
        out.push({ seq: entry.seq!, capturedAt: scanned.capturedAt, value: entry.value, record: null, clock: scanned.clock });
        outEntries.push(entry);
        usedBytes += entry.value.length;
      }
      // Fewer entries than asked for: the range is exhausted. Otherwise only skipped corrupt
      // values can have left room, and the next pass continues after them.
      if (entries.length < want) break;
    }
    if (corrupt.length > 0) await this.serial.run(() => this.deleteCorrupt(corrupt));
    else if (out.length > 0) this.memo.remember(out[0].seq, out[out.length - 1].seq, outEntries);
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
    await this.state.deleteEntries(present);
    this.state.counters.dropped.corrupt += present.length;
    present.forEach((entry, j) => {
      this.log.warn(
        { dir: this.opts.dir, key: entry.key.toString('hex'), seq: entry.seq, reason: reasons[j] },
        'outbox: deleted an undecodable record',
      );
    });
  }
}
