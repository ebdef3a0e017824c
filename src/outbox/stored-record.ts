// A record as read for sending: its seq and capture time beside the exact bytes stored, so a batch
// splices those bytes instead of parsing and serialising the record again.
import type { OutboxRecord } from './record.js';

export class StoredRecord {
  constructor(
    readonly seq: number,
    readonly capturedAt: string,
    /** The record JSON as stored (UTF-8, an object, `seq` first). */
    readonly json: Buffer,
  ) {}

  /** The parsed record, for the rare paths that need its fields (shortening an oversized record). */
  record(): OutboxRecord {
    return JSON.parse(this.json.toString('utf8')) as OutboxRecord;
  }
}
