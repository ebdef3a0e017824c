// Backlog ranges handed out by a read, remembered so that their acknowledgement needs no second
// read for byte accounting. Bounded: only the batches in flight matter.
import type { StoredEntry } from './store.js';

const MAX_RANGES = 64;

export class ReadMemo {
  private readonly ranges = new Map<number, { to: number; entries: StoredEntry[] }>();

  remember(from: number, to: number, entries: StoredEntry[]): void {
    this.ranges.set(from, { to, entries });
    // The oldest memo goes first.
    if (this.ranges.size > MAX_RANGES) this.ranges.delete(this.ranges.keys().next().value as number);
  }

  /** The entries read for exactly from..to, forgotten once taken; undefined when not remembered. */
  take(from: number, to: number): StoredEntry[] | undefined {
    const memo = this.ranges.get(from);
    if (!memo || memo.to !== to) return undefined;
    this.ranges.delete(from);
    return memo.entries;
  }

  /** After drops: a remembered range may list records that are gone. */
  clear(): void {
    this.ranges.clear();
  }
}
