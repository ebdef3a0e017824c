// Splits a byte stream from a text (AT command) modem into lines. Pure: no I/O.
// A line ends at CR, LF or CRLF; empty lines are dropped. A line longer than the limit is
// discarded as a whole (up to its terminator) and counted, so one burst of noise cannot grow
// memory or glue itself to the next real line.

const CR = 0x0d;
const LF = 0x0a;

export interface LineFramerStats {
  /** Lines dropped because they exceeded the length limit. */
  overlongLines: number;
  /** Bytes dropped with those lines. */
  discardedBytes: number;
}

export class LineFramer {
  readonly stats: LineFramerStats = { overlongLines: 0, discardedBytes: 0 };
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private discarding = false;

  /** @param maxLineLength longest accepted line in bytes, terminator excluded. */
  constructor(readonly maxLineLength = 1024) {
    if (!Number.isInteger(maxLineLength) || maxLineLength < 1) throw new RangeError('maxLineLength must be a positive integer');
  }

  /** Feeds a chunk read from the port; returns the lines it completed, in order, without terminators. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte !== CR && byte !== LF) continue;
      this.append(chunk, start, i);
      this.endLine(lines);
      start = i + 1;
    }
    // The tail outlives this call, so it is copied: the caller may reuse its buffer.
    if (start < chunk.length) this.append(Buffer.from(chunk.subarray(start)), 0, chunk.length - start);
    return lines;
  }

  /** Bytes held for a line that has not ended yet. */
  get buffered(): number {
    return this.pendingLength;
  }

  private append(chunk: Buffer, from: number, to: number): void {
    const length = to - from;
    if (length <= 0) return;
    if (this.discarding) {
      this.stats.discardedBytes += length;
      return;
    }
    if (this.pendingLength + length > this.maxLineLength) {
      this.stats.discardedBytes += this.pendingLength + length;
      this.pending = [];
      this.pendingLength = 0;
      this.discarding = true;
      return;
    }
    this.pending.push(chunk.subarray(from, to));
    this.pendingLength += length;
  }

  private endLine(lines: string[]): void {
    if (this.discarding) {
      this.discarding = false;
      this.stats.overlongLines += 1;
      return;
    }
    if (this.pendingLength === 0) return;
    const bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLength);
    // latin1 keeps every byte as one character, so noise cannot turn into multi-byte surprises.
    lines.push(bytes.toString('latin1'));
    this.pending = [];
    this.pendingLength = 0;
  }
}
