// Byte-level helpers shared by the built-in codecs: bounds-checked readers, fixed lookup tables
// and the typed error a decoder throws when a payload cannot be decoded at all.

/** Thrown inside a decoder when the payload is unusable; the codec wrapper turns it into an `errors` entry. */
export class PayloadError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'PayloadError';
  }
}

export function tooShort(fPort: number, need: number, got: number, what?: string): PayloadError {
  const tail = what === undefined ? '' : ` (${what})`;
  return new PayloadError(`payload too short for fPort ${fPort}: need ${need} bytes, got ${got}${tail}`);
}

/** Throws unless `bytes` holds at least `end` bytes. */
export function need(bytes: number[], end: number, fPort: number, what?: string): void {
  if (bytes.length < end) throw tooShort(fPort, end, bytes.length, what);
}

// Fixed-offset readers. Callers check the length first (`need`), so these do no checks.
export function i8(b: number[], i: number): number {
  return (b[i] << 24) >> 24;
}
export function u16le(b: number[], i: number): number {
  return b[i] | (b[i + 1] << 8);
}
export function i16le(b: number[], i: number): number {
  return ((b[i] | (b[i + 1] << 8)) << 16) >> 16;
}
export function u32le(b: number[], i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}
export function u16be(b: number[], i: number): number {
  return (b[i] << 8) | b[i + 1];
}
export function i16be(b: number[], i: number): number {
  return (((b[i] << 8) | b[i + 1]) << 16) >> 16;
}
export function u24be(b: number[], i: number): number {
  return (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
}
export function u32be(b: number[], i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}
export function i32be(b: number[], i: number): number {
  return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
}

function hexTable(upper: boolean): string[] {
  const digits = upper ? '0123456789ABCDEF' : '0123456789abcdef';
  const out: string[] = new Array<string>(256);
  for (let n = 0; n < 256; n++) out[n] = digits[n >> 4] + digits[n & 15];
  return out;
}
/** Two-digit hex of a byte, precomputed so hot paths do not format numbers. */
export const HEX_UPPER: readonly string[] = hexTable(true);
export const HEX_LOWER: readonly string[] = hexTable(false);

/** `0x1f`-style label for messages. */
export function hexByte(n: number): string {
  return '0x' + HEX_LOWER[n & 0xff];
}

/**
 * Sequential reader for formats where fields follow each other with optional parts.
 * Every read checks the length and throws a `PayloadError` naming the fPort.
 */
export class ByteReader {
  pos = 0;
  constructor(
    readonly bytes: number[],
    readonly fPort: number,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private take(n: number, what?: string): number {
    const at = this.pos;
    if (at + n > this.bytes.length) throw tooShort(this.fPort, at + n, this.bytes.length, what);
    this.pos = at + n;
    return at;
  }

  u8(what?: string): number {
    return this.bytes[this.take(1, what)];
  }
  i8(what?: string): number {
    return i8(this.bytes, this.take(1, what));
  }
  u16le(what?: string): number {
    return u16le(this.bytes, this.take(2, what));
  }
  u32le(what?: string): number {
    return u32le(this.bytes, this.take(4, what));
  }
  u16be(what?: string): number {
    return u16be(this.bytes, this.take(2, what));
  }
  skip(n: number, what?: string): void {
    this.take(n, what);
  }
}

/**
 * Where a record-by-record walker (Milesight channels, Elsys types) has to stop early: at a record
 * whose length it cannot know, or one the frame cuts short. Newer firmware adds records, and a
 * sensor must not go dark at the hub for it, so what was decoded before the stop is kept and the
 * stop becomes a warning. Only when nothing at all was decoded is the frame an error.
 */
export function stopWalk(ctx: { warnings: string[] }, decodedRecords: number, message: string): void {
  if (decodedRecords === 0) throw new PayloadError(message);
  ctx.warnings.push(message);
}

/** Error for bytes left over after a complete message. */
export function tooLong(fPort: number, extra: number): PayloadError {
  return new PayloadError(`payload too long for fPort ${fPort}: ${extra} unexpected trailing byte${extra === 1 ? '' : 's'}`);
}
