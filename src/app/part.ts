// The one contract every part of the running daemon meets: a name, start, stop, and the numbers it
// reports into the one snapshot behind metrics, health and status. The snapshot is nothing but the
// parts' reports merged, so a part's counters cannot be left out of it.
import type { DaemonSnapshot } from '../ops/snapshot.js';

/** What a part contributes to the snapshot (top-level keys; objects merge one level deep, lists add up). */
export type SnapshotReport = { [K in keyof DaemonSnapshot]?: Partial<DaemonSnapshot[K]> };

export interface Part {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Read when a snapshot is taken (a scrape, a status request), never on the hot path. */
  report?(now: number): SnapshotReport;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Merges reports in part order over a base: lists are concatenated, objects merged one level deep
 * (so `drops` from the pipeline and the outbox, or the `downlinks` of the scheduler, edge mode and
 * the network-server path, add up), anything else is set.
 */
export function mergeReports(base: Record<string, unknown>, reports: SnapshotReport[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const report of reports) {
    for (const [key, value] of Object.entries(report)) {
      const have = out[key];
      if (Array.isArray(have) && Array.isArray(value)) out[key] = [...have, ...value];
      else if (isPlainObject(have) && isPlainObject(value)) out[key] = { ...have, ...value };
      else out[key] = value;
    }
  }
  return out;
}
