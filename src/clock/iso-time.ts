// ISO 8601 UTC times on the per-frame path, exactly as Date prints and parses them but without the
// cost: V8's toISOString formats through a printf-style stream (1.4 µs here) and Date.parse runs its
// general tokenizer, and a frame needed two of the one and five of the other. Frames of one second
// share the text up to the seconds, so that text is remembered (for the last two seconds seen) and
// only the milliseconds are added. Anything outside the fast case goes to Date itself.

/** 1970-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z: where toISOString prints a four-digit year. */
const LAST_FOUR_DIGIT_YEAR_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** `YYYY-MM-DDTHH:MM:SS` */
const PREFIX_CHARS = 19;
const DOT = 0x2e;
const ZULU = 0x5a;
const DIGIT_0 = 0x30;

/** `.000Z` .. `.999Z`, so a time is its second's text plus one of these. */
const MILLIS_SUFFIX: readonly string[] = Array.from({ length: 1000 }, (_, ms) => `.${String(ms).padStart(3, '0')}Z`);

interface SecondText {
  /** Unix ms of the second's start; NaN while empty. */
  secondMs: number;
  /** `YYYY-MM-DDTHH:MM:SS` of that second, as toISOString prints it. */
  prefix: string;
}

// Two seconds: a frame's capture time and its forwarder's GPS time can straddle a second.
const remembered: [SecondText, SecondText] = [
  { secondMs: Number.NaN, prefix: '' },
  { secondMs: Number.NaN, prefix: '' },
];
let replaceNext = 0;

function secondText(secondMs: number): SecondText {
  if (remembered[0].secondMs === secondMs) return remembered[0];
  if (remembered[1].secondMs === secondMs) return remembered[1];
  const entry = remembered[replaceNext];
  replaceNext ^= 1;
  entry.secondMs = secondMs;
  entry.prefix = new Date(secondMs).toISOString().slice(0, PREFIX_CHARS);
  return entry;
}

/** `new Date(ms).toISOString()`, the same text and the same RangeError for an invalid time. */
export function isoOfMs(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > LAST_FOUR_DIGIT_YEAR_MS) return new Date(ms).toISOString();
  const millis = ms % 1000;
  return secondText(ms - millis).prefix + MILLIS_SUFFIX[millis];
}

/**
 * `Date.parse(text)`, the same number (NaN included) for every string. Fast for a time in one of
 * the last two seconds isoOfMs printed, in the form it prints or as rxpk `time` has it
 * (`…T12:34:56.123456Z`: one to nine fraction digits, of which Date keeps the first three, or none).
 * A remembered prefix is always Date's own text of a valid second, so the sum is what Date says.
 */
export function msOfIso(text: string): number {
  const nanos = utcFractionNanos(text);
  if (nanos >= 0) {
    for (let i = 0; i < remembered.length; i++) {
      const entry = remembered[i];
      if (entry.prefix.length === PREFIX_CHARS && text.startsWith(entry.prefix)) return entry.secondMs + Math.floor(nanos / 1e6);
    }
  }
  return Date.parse(text);
}

/**
 * The nanoseconds of a time whose text after its first 19 characters is `.` with one to nine
 * digits and `Z`, or just `Z`; -1 for any other text. The first 19 characters are not looked at.
 */
export function utcFractionNanos(text: string): number {
  const length = text.length;
  if (length === PREFIX_CHARS + 1) return text.charCodeAt(PREFIX_CHARS) === ZULU ? 0 : -1;
  const digits = length - PREFIX_CHARS - 2;
  if (digits < 1 || digits > 9) return -1;
  if (text.charCodeAt(PREFIX_CHARS) !== DOT || text.charCodeAt(length - 1) !== ZULU) return -1;
  let nanos = 0;
  for (let i = 0; i < 9; i++) {
    const digit = i < digits ? text.charCodeAt(PREFIX_CHARS + 1 + i) - DIGIT_0 : 0;
    if (digit < 0 || digit > 9) return -1;
    nanos = nanos * 10 + digit;
  }
  return nanos;
}
