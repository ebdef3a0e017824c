// A record as read for sending: its seq and capture time beside the exact bytes stored, so a batch
// splices those bytes instead of parsing and serialising the record again.
import type { OutboxRecord } from './record.js';
import type { CaptureClockFields } from '../clock/capture-stamp.js';

/** The clock fields of a record, or null for one stored without them (before hub schema 2). */
export function clockFieldsOf(record: Partial<CaptureClockFields>): CaptureClockFields | null {
  if (record.clockSynced === undefined) return null;
  return { clockSynced: record.clockSynced ?? null, bootId: record.bootId ?? null, monoMs: record.monoMs ?? null };
}

export class StoredRecord {
  constructor(
    readonly seq: number,
    readonly capturedAt: string,
    /** The record JSON as stored (UTF-8, an object, `seq` first). */
    readonly json: Buffer,
    /** Its clock fields (so the batch needs no parse to decide on a correction); null when it has none. */
    readonly clock: CaptureClockFields | null = null,
  ) {}

  /** The parsed record, for the rare paths that need its fields (shortening an oversized record). */
  record(): OutboxRecord {
    return JSON.parse(this.json.toString('utf8')) as OutboxRecord;
  }
}
