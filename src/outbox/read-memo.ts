// Backlog ranges handed out by a read, remembered so that their acknowledgement needs no second
// read for byte accounting. Bounded: only the batches in flight matter.
import type { StoredRef } from './store.js';

const MAX_RANGES = 64;

export class ReadMemo {
  private readonly ranges = new Map<number, { to: number; entries: StoredRef[] }>();

  remember(from: number, to: number, entries: StoredRef[]): void {
    // A seq is remembered by one read at most (the newest), so an entry is never served twice. An
    // older read keeps what the new one does not list: reads run ahead of acknowledgements, and the
    // batch cut from the older read (a prefix, below `from`) is usually still waiting for its own.
    for (const [start, memo] of this.ranges) {
      if (start > to || memo.to < from) continue;
      this.ranges.delete(start);
      const below = memo.entries.filter((e) => (e.seq ?? -1) < from);
      const above = memo.entries.filter((e) => (e.seq ?? -1) > to);
      if (below.length > 0) this.ranges.set(start, { to: below[below.length - 1].seq ?? from - 1, entries: below });
      if (above.length > 0) this.ranges.set(above[0].seq ?? to + 1, { to: memo.to, entries: above });
    }
    this.ranges.set(from, { to, entries });
    // The oldest memo goes first.
    if (this.ranges.size > MAX_RANGES) this.ranges.delete(this.ranges.keys().next().value as number);
  }

  /**
   * The entries read for from..to, forgotten once taken; undefined when not remembered. A batch is
   * often a prefix of what was read (the read is bounded by batch.maxBytes, the batch by the MQTT
   * packet limit): the rest stays remembered for the next batch, which starts right after it.
   */
  take(from: number, to: number): StoredRef[] | undefined {
    const memo = this.ranges.get(from);
    // What is acknowledged now leaves the store: no remembered read may list it afterwards.
    this.forget(from, to);
    if (!memo || memo.to < to) return undefined;
    if (memo.to === to) return memo.entries;
    let cut = 0;
    while (cut < memo.entries.length && (memo.entries[cut].seq ?? -1) <= to) cut += 1;
    const rest = memo.entries.slice(cut);
    if (rest.length > 0) this.ranges.set(rest[0].seq ?? to + 1, { to: memo.to, entries: rest });
    return memo.entries.slice(0, cut);
  }

  /** Forgets every remembered range that shares a seq with from..to. */
  forget(from: number, to: number): void {
    for (const [start, memo] of this.ranges) if (start <= to && memo.to >= from) this.ranges.delete(start);
  }

  /** After drops: a remembered range may list records that are gone. */
  clear(): void {
    this.ranges.clear();
  }
}
