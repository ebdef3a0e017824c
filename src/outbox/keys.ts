// Key layout of the outbox LevelDB store. Records live under a one-byte prefix followed by the
// seq as an 8-byte big-endian integer, so LevelDB's byte order is seq order. The meta entry lives
// under two other prefixes, one sorting below the records and one above (meta.ts says why), so
// range reads over records never see it.

export const RECORD_PREFIX = 0x72; // 'r'
const HEAD_META_PREFIX = 0x6d; // 'm'
const TAIL_META_PREFIX = 0x74; // 't'

const TWO_POW_32 = 2 ** 32;

/** The meta entry below the records, written with deletions (the only one before there were two). */
export const HEAD_META_KEY: Buffer = Buffer.from([HEAD_META_PREFIX, ...Buffer.from('meta', 'ascii')]);
/** The meta entry above the records, written with appends. */
export const TAIL_META_KEY: Buffer = Buffer.from([TAIL_META_PREFIX, ...Buffer.from('meta', 'ascii')]);

/** Lowest possible record key (seq 0; real seqs start at 1). */
export const RECORD_KEY_MIN: Buffer = recordKey(0);
/** Exclusive upper bound of the record range: the byte after the record prefix. */
export const RECORD_KEY_END: Buffer = Buffer.from([RECORD_PREFIX + 1]);


export function recordKey(seq: number): Buffer {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new RangeError(`outbox seq must be a non-negative safe integer, got ${String(seq)}`);
  }
  const key = Buffer.allocUnsafe(9);
  key[0] = RECORD_PREFIX;
  key.writeUInt32BE(Math.floor(seq / TWO_POW_32), 1);
  key.writeUInt32BE(seq >>> 0, 5);
  return key;
}

/** The seq of a record key, or null when the key is not a well-formed record key. */
export function seqFromRecordKey(key: Uint8Array): number | null {
  if (key.length !== 9 || key[0] !== RECORD_PREFIX) return null;
  const buf = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const seq = buf.readUInt32BE(1) * TWO_POW_32 + buf.readUInt32BE(5);
  return Number.isSafeInteger(seq) ? seq : null;
}

/** Writes the key of record `seq` into `key` (9 bytes, the record prefix already in place). */
export function writeRecordKey(key: Buffer, seq: number): void {
  key.writeUInt32BE(Math.floor(seq / TWO_POW_32), 1);
  key.writeUInt32BE(seq >>> 0, 5);
}
