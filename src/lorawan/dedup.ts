// Suppresses the copies of one transmission that reach us more than once (two channels of a
// concentrator, UDP and serial sources hearing the same device) within a short window.
//
// The remembered payloads live outside the JavaScript heap: their bytes in one ring buffer, their
// times, hashes and places in typed arrays, found through a chained hash table of slot numbers.
// At 20,000 frames/s a 200 ms window holds about 4,000 payloads, and a string key per payload
// (the way this was first written) outlived V8's young generation every time: the largest item
// V8 promoted per frame, which its full collections then had to mark. A payload is a duplicate
// only when its bytes equal remembered bytes, never on a hash alone: a false duplicate would drop
// an uplink. The hash is seeded per cache, so that nobody can send payloads that all land in one
// bucket and make every lookup walk them.
import { randomInt } from 'node:crypto';

export interface DedupOptions {
  /** How long a PHYPayload is remembered after first being seen. Default 200 ms. */
  windowMs?: number;
  /** Bound on remembered payloads; the oldest is forgotten first. Default 10000. */
  maxEntries?: number;
}

/** A slot whose payload was forgotten or remembered anew elsewhere; it waits for its turn in the order. */
const DEAD = -1;
const NONE = -1;
const FIRST_SLOTS = 256;
const FIRST_BYTES = 16 * 1024;
/** The largest LoRaWAN PHYPayload: the byte bound leaves room for `maxEntries` of them. */
const LARGEST_PHY_PAYLOAD = 255;

export class DedupCache {
  readonly windowMs: number;
  readonly maxEntries: number;
  /**
   * Above this many bytes of remembered payloads the oldest is forgotten instead of growing the
   * ring (a payload larger than the ring still gets one): only payloads far larger than LoRaWAN's
   * can get there before `maxEntries` does.
   */
  private readonly maxBytes: number;
  /** Mixed into every payload's hash (tests read it to find collisions). */
  readonly hashSeed = randomInt(2 ** 32 - 1);

  // Slots form a ring in the order first seen: `count` of them from `head`, live or DEAD.
  private slotCap = 0;
  private head = 0;
  private count = 0;
  private live = 0;
  private times = new Float64Array(0);
  private hashes = new Int32Array(0);
  private starts = new Int32Array(0);
  /** Payload length, or DEAD. */
  private lengths = new Int32Array(0);
  /** The next live slot in the same hash bucket, or NONE. */
  private chain = new Int32Array(0);
  private buckets = new Int32Array(0);
  private bucketMask = 0;

  /**
   * Payload bytes in the slots' order, from the oldest slot's start to `byteTail`, wrapping at
   * most once. While wrapped, `byteTail` stays strictly below the oldest start, so that a full
   * ring never looks empty.
   */
  private bytes: Buffer = Buffer.alloc(0);
  private byteTail = 0;
  private liveBytes = 0;

  constructor(opts: DedupOptions = {}) {
    this.windowMs = opts.windowMs ?? 200;
    this.maxEntries = opts.maxEntries ?? 10_000;
    if (!(this.windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${this.windowMs}`);
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${this.maxEntries}`);
    }
    this.maxBytes = Math.max(64 * 1024, this.maxEntries * LARGEST_PHY_PAYLOAD * 2);
    this.rebuild(FIRST_SLOTS, FIRST_BYTES);
  }

  /**
   * True when the same bytes were first seen less than `windowMs` before `nowMs` (a duplicate
   * to drop); otherwise remembers them and returns false. The window is not extended by
   * duplicates, so a device's genuine retransmission seconds later passes.
   */
  seen(payload: Uint8Array, nowMs: number): boolean {
    this.expire(nowMs);
    const hash = hashOf(payload, this.hashSeed);
    const slot = this.find(payload, hash);
    if (slot !== NONE) {
      if (nowMs - this.times[slot] < this.windowMs) return true;
      // Seen before, outside its window, yet not expired: the clock stepped back since. It is
      // remembered anew below; its old slot is skipped when its turn comes.
      this.kill(slot);
    }
    this.remember(payload, hash, nowMs);
    while (this.live > this.maxEntries) this.forgetFirst();
    return false;
  }

  get size(): number {
    return this.live;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
    this.live = 0;
    this.byteTail = 0;
    this.liveBytes = 0;
    this.buckets.fill(NONE);
  }

  private expire(nowMs: number): void {
    // Only a live slot still in its window ends the expiry (a clock stepped back can make an
    // older slot look recent).
    while (this.count > 0) {
      const s = this.head;
      if (this.lengths[s] !== DEAD && nowMs - this.times[s] < this.windowMs) break;
      this.forgetFirst();
    }
  }

  /** Drops the oldest slot, and its payload unless that is already dead. */
  private forgetFirst(): void {
    const s = this.head;
    if (this.lengths[s] !== DEAD) this.kill(s);
    this.head = s + 1 === this.slotCap ? 0 : s + 1;
    this.count -= 1;
  }

  private find(payload: Uint8Array, hash: number): number {
    const len = payload.length;
    const bytes = this.bytes;
    for (let s = this.buckets[hash & this.bucketMask]; s !== NONE; s = this.chain[s]) {
      if (this.hashes[s] !== hash || this.lengths[s] !== len) continue;
      const start = this.starts[s];
      let i = 0;
      while (i < len && bytes[start + i] === payload[i]) i++;
      if (i === len) return s;
    }
    return NONE;
  }

  /** Takes a live slot out of its bucket and marks it dead; its bytes stay until its turn. */
  private kill(slot: number): void {
    const b = this.hashes[slot] & this.bucketMask;
    if (this.buckets[b] === slot) this.buckets[b] = this.chain[slot];
    else {
      let s = this.buckets[b];
      while (s !== NONE && this.chain[s] !== slot) s = this.chain[s];
      if (s !== NONE) this.chain[s] = this.chain[slot];
    }
    this.liveBytes -= this.lengths[slot];
    this.lengths[slot] = DEAD;
    this.live -= 1;
  }

  private remember(payload: Uint8Array, hash: number, nowMs: number): void {
    const len = payload.length;
    if (this.count === this.slotCap) this.rebuild(Math.max(this.slotCap, 2 * (this.live + 1)), this.bytes.length);
    const start = this.placeBytes(len);
    this.bytes.set(payload, start);
    this.byteTail = start + len;
    let s = this.head + this.count;
    if (s >= this.slotCap) s -= this.slotCap;
    this.count += 1;
    this.live += 1;
    this.liveBytes += len;
    this.times[s] = nowMs;
    this.hashes[s] = hash;
    this.starts[s] = start;
    this.lengths[s] = len;
    const b = hash & this.bucketMask;
    this.chain[s] = this.buckets[b];
    this.buckets[b] = s;
  }

  /** Where `len` bytes go after the newest slot's: grows or compacts the ring, or forgets the oldest. */
  private placeBytes(len: number): number {
    for (;;) {
      if (this.count === 0) {
        if (len > this.bytes.length) this.rebuild(this.slotCap, grownByteCap(this.bytes.length, len));
        return 0;
      }
      const oldest = this.starts[this.head];
      const tail = this.byteTail;
      // Kept at most half full, so that the ring rarely has to be compacted.
      const roomy = 2 * (this.liveBytes + len) <= this.bytes.length;
      if (roomy) {
        if (tail >= oldest) {
          if (this.bytes.length - tail >= len) return tail;
          if (len < oldest) return 0;
        } else if (oldest - tail > len) return tail;
      }
      if (!roomy && this.bytes.length >= this.maxBytes && 2 * len <= this.bytes.length) {
        this.forgetFirst();
        continue;
      }
      // Grown while over half full, else only compacted; either way the bytes then fit after the rest.
      this.rebuild(this.slotCap, grownByteCap(this.bytes.length, 2 * (this.liveBytes + len)));
    }
  }

  /** New arrays of the given sizes holding the live slots in order from 0, bytes packed from 0. */
  private rebuild(slotCap: number, byteCap: number): void {
    const times = new Float64Array(slotCap);
    const hashes = new Int32Array(slotCap);
    const starts = new Int32Array(slotCap);
    const lengths = new Int32Array(slotCap);
    const chain = new Int32Array(slotCap);
    let bucketCount = 1;
    while (bucketCount < slotCap) bucketCount *= 2;
    const buckets = new Int32Array(bucketCount).fill(NONE);
    const bucketMask = bucketCount - 1;
    const bytes = Buffer.allocUnsafeSlow(byteCap);
    let n = 0;
    let at = 0;
    for (let i = 0, s = this.head; i < this.count; i++, s = s + 1 === this.slotCap ? 0 : s + 1) {
      const len = this.lengths[s];
      if (len === DEAD) continue;
      this.bytes.copy(bytes, at, this.starts[s], this.starts[s] + len);
      times[n] = this.times[s];
      hashes[n] = this.hashes[s];
      starts[n] = at;
      lengths[n] = len;
      const b = hashes[n] & bucketMask;
      chain[n] = buckets[b];
      buckets[b] = n;
      at += len;
      n += 1;
    }
    this.slotCap = slotCap;
    this.times = times;
    this.hashes = hashes;
    this.starts = starts;
    this.lengths = lengths;
    this.chain = chain;
    this.buckets = buckets;
    this.bucketMask = bucketMask;
    this.bytes = bytes;
    this.head = 0;
    this.count = n;
    this.byteTail = at;
  }
}

/** The current size if it is more than `needed`, else doubled until it is. */
function grownByteCap(current: number, needed: number): number {
  let cap = Math.max(1024, current);
  while (cap <= needed) cap *= 2;
  return cap;
}

/** FNV-1a over the bytes, from an offset basis mixed with the seed and the length (exported for the tests' collisions). */
export function hashOf(payload: Uint8Array, seed: number): number {
  let h = (0x811c9dc5 ^ seed ^ Math.imul(payload.length, 0x9e3779b1)) | 0;
  for (let i = 0; i < payload.length; i++) h = Math.imul(h ^ payload[i], 0x01000193);
  return h | 0;
}
