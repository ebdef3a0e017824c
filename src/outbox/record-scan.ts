// The backlog check of a stored record without building it: a byte scanner that accepts exactly
// well-formed JSON (RFC 8259 syntax) and picks out the few top-level fields a batch needs (seq,
// capturedAt and the clock fields). JSON.parse built the whole object graph of every record read
// from the backlog only to look at those, and its garbage was most of the daemon's GC work while
// draining. Anything the scanner does not accept, or does not handle (escaped top-level keys, deep
// nesting), is judged by decodeRecord, so no record is ever deleted on the scanner's word alone.
import type { CaptureClockFields } from '../clock/capture-stamp.js';
import { decodeRecord } from './record-encoding.js';
import { clockFieldsOf } from './stored-record.js';
import { msOfIso } from '../clock/iso-time.js';

export type ScanResult =
  | { ok: true; capturedAt: string; clock: CaptureClockFields | null }
  | { ok: false; reason: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
/**
 * Returned by the scanners instead of an index: not well-formed JSON, or not followed here (nesting
 * beyond MAX_DEPTH, an escaped top-level key); either way decodeRecord judges the value.
 */
const BAD = -1;
/** Nesting the scanner follows by recursion; deeper values (no codec writes them) go to JSON.parse. */
const MAX_DEPTH = 64;

/** The top-level keys looked for, as bytes (never escaped by our encoder), and their indexes. */
const WANTED = ['seq', 'capturedAt', 'clockSynced', 'bootId', 'monoMs'].map((key) => Buffer.from(key));
const SEQ = 0;
const CAPTURED_AT = 1;
const CLOCK_SYNCED = 2;
const BOOT_ID = 3;
const MONO_MS = 4;

/** Escapes allowed after a backslash besides \u: " \ / b f n r t. */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

function skipSpace(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i += 1;
    else return i;
  }
}

/** Bytes that stand for themselves inside a string: not a quote, a backslash or a control character. */
const STRING_PLAIN = new Uint8Array(256).fill(1);
for (let c = 0; c < 0x20; c += 1) STRING_PLAIN[c] = 0;
STRING_PLAIN[QUOTE] = 0;
STRING_PLAIN[BACKSLASH] = 0;

/** `i` at the opening quote; the index after the closing one. */
function scanString(b: Uint8Array, i: number): number {
  const n = b.length;
  i += 1;
  for (;;) {
    while (i < n && STRING_PLAIN[b[i]] === 1) i += 1;
    if (i >= n) return BAD;
    const c = b[i++];
    if (c === QUOTE) return i;
    if (c !== BACKSLASH || i >= n) return BAD;
    const e = b[i++];
    if (e === 0x75) {
      if (i + 4 > n || !HEX[b[i]] || !HEX[b[i + 1]] || !HEX[b[i + 2]] || !HEX[b[i + 3]]) return BAD;
      i += 4;
    } else if (!SIMPLE_ESCAPE[e]) return BAD;
  }
}

function scanDigits(b: Uint8Array, i: number): number {
  const start = i;
  while (b[i] >= ZERO && b[i] <= NINE) i += 1;
  return i > start ? i : BAD;
}

/** -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
function scanNumber(b: Uint8Array, i: number): number {
  if (b[i] === MINUS) i += 1;
  if (b[i] === ZERO) i += 1;
  else if (b[i] >= 0x31 && b[i] <= NINE) i = scanDigits(b, i);
  else return BAD;
  if (b[i] === DOT) {
    i = scanDigits(b, i + 1);
    if (i === BAD) return BAD;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i += 1;
    if (b[i] === PLUS || b[i] === MINUS) i += 1;
    i = scanDigits(b, i);
  }
  return i;
}

function scanLiteral(b: Uint8Array, i: number, word: string): number {
  for (let k = 0; k < word.length; k += 1) if (b[i + k] !== word.charCodeAt(k)) return BAD;
  return i + word.length;
}

function scanValue(b: Uint8Array, i: number, depth: number): number {
  switch (b[i]) {
    case QUOTE:
      return scanString(b, i);
    case OPEN_BRACE:
      return scanObject(b, i, depth + 1, false);
    case OPEN_BRACKET:
      return scanArray(b, i, depth + 1);
    case 0x74:
      return scanLiteral(b, i, 'true');
    case 0x66:
      return scanLiteral(b, i, 'false');
    case 0x6e:
      return scanLiteral(b, i, 'null');
    default:
      return scanNumber(b, i);
  }
}

function scanArray(b: Uint8Array, i: number, depth: number): number {
  if (depth > MAX_DEPTH) return BAD;
  i = skipSpace(b, i + 1);
  if (b[i] === CLOSE_BRACKET) return i + 1;
  for (;;) {
    i = scanValue(b, i, depth);
    if (i < 0) return i;
    i = skipSpace(b, i);
    if (b[i] === CLOSE_BRACKET) return i + 1;
    if (b[i] !== COMMA) return BAD;
    i = skipSpace(b, i + 1);
  }
}

/**
 * Where the wanted top-level values of the last scan lie: [start, end) per WANTED index, -1 when
 * absent. One table for every scan (scans are synchronous, so they never overlap).
 */
const SPANS = new Int32Array(2 * WANTED.length);

/**
 * `i` at `{`. At the top level, records in SPANS where each wanted key's value lies; a key written
 * with an escape could name a wanted field in disguise, so the record is left to decodeRecord.
 */
function scanObject(b: Uint8Array, i: number, depth: number, topLevel: boolean): number {
  if (depth > MAX_DEPTH) return BAD;
  i = skipSpace(b, i + 1);
  if (b[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) return BAD;
    const keyStart = i + 1;
    i = scanString(b, i);
    if (i < 0) return i;
    const keyEnd = i - 1;
    i = skipSpace(b, i);
    if (b[i] !== COLON) return BAD;
    i = skipSpace(b, i + 1);
    const valueStart = i;
    i = scanValue(b, i, depth);
    if (i < 0) return i;
    if (topLevel) {
      for (let k = keyStart; k < keyEnd; k += 1) if (b[k] === BACKSLASH) return BAD;
      const w = wantedIndex(b, keyStart, keyEnd);
      // The last of duplicate keys wins, as in JSON.parse.
      if (w >= 0) {
        SPANS[2 * w] = valueStart;
        SPANS[2 * w + 1] = i;
      }
    }
    i = skipSpace(b, i);
    if (b[i] === CLOSE_BRACE) return i + 1;
    if (b[i] !== COMMA) return BAD;
    i = skipSpace(b, i + 1);
  }
}

function wantedIndex(b: Uint8Array, start: number, end: number): number {
  const len = end - start;
  for (let w = 0; w < WANTED.length; w += 1) {
    const key = WANTED[w];
    if (key.length !== len) continue;
    let k = 0;
    while (k < len && b[start + k] === key[k]) k += 1;
    if (k === len) return w;
  }
  return -1;
}

/**
 * The same verdict as decodeRecord(expectedSeq, value), with the fields a batch needs, without
 * parsing the record: a value is accepted only if it is well-formed JSON, an object whose seq is
 * the key's and whose capturedAt is a time. Refusals and unusual values are decodeRecord's to judge.
 */
export function scanRecord(expectedSeq: number | null, value: Buffer): ScanResult {
  if (expectedSeq === null) return judgedByDecodeRecord(expectedSeq, value);
  SPANS.fill(-1);
  let i = skipSpace(value, 0);
  if (value[i] !== OPEN_BRACE) return judgedByDecodeRecord(expectedSeq, value);
  i = scanObject(value, i, 1, true);
  if (i < 0 || skipSpace(value, i) !== value.length) return judgedByDecodeRecord(expectedSeq, value);
  if (field(value, SEQ) !== expectedSeq) return judgedByDecodeRecord(expectedSeq, value);
  const capturedAt = field(value, CAPTURED_AT);
  if (typeof capturedAt !== 'string' || Number.isNaN(msOfIso(capturedAt))) return judgedByDecodeRecord(expectedSeq, value);
  // Records stored before hub schema 2 have no clock fields (clockFieldsOf says the same).
  const clockSynced = field(value, CLOCK_SYNCED);
  if (clockSynced === undefined) return { ok: true, capturedAt, clock: null };
  return {
    ok: true,
    capturedAt,
    clock: {
      clockSynced: clockSynced as CaptureClockFields['clockSynced'],
      bootId: (field(value, BOOT_ID) ?? null) as CaptureClockFields['bootId'],
      monoMs: (field(value, MONO_MS) ?? null) as CaptureClockFields['monoMs'],
    },
  };
}

/**
 * The wanted value `w` of the last scan as JSON.parse would give it (JSON null as null), undefined
 * when the record has no such key. The usual shapes (a plain ASCII string, a literal, an integer)
 * are read from the bytes; anything else goes to JSON.parse.
 */
function field(value: Buffer, w: number): unknown {
  const start = SPANS[2 * w];
  const end = SPANS[2 * w + 1];
  if (start < 0) return undefined;
  const first = value[start];
  if (first === QUOTE) {
    let k = start + 1;
    while (k < end - 1 && value[k] < 0x80 && value[k] !== BACKSLASH) k += 1;
    if (k === end - 1) return value.toString('latin1', start + 1, end - 1);
  } else if (first === 0x74) return true;
  else if (first === 0x66) return false;
  else if (first === 0x6e) return null;
  else if (end - start <= 15 && first >= ZERO && first <= NINE && (first !== ZERO || end - start === 1)) {
    let n = 0;
    let k = start;
    while (k < end && value[k] >= ZERO && value[k] <= NINE) n = n * 10 + (value[k++] - ZERO);
    if (k === end) return n;
  }
  return JSON.parse(value.toString('utf8', start, end)) as unknown;
}

function judgedByDecodeRecord(expectedSeq: number | null, value: Buffer): ScanResult {
  const decoded = decodeRecord(expectedSeq, value);
  if (!decoded.ok) return decoded;
  return { ok: true, capturedAt: decoded.record.capturedAt, clock: clockFieldsOf(decoded.record) };
}
