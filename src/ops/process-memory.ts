// The daemon's own memory as Node sees it (process.memoryUsage()), for the /status snapshot: lets
// benches and technicians split RSS into V8 heap, external and ArrayBuffer memory and LevelDB's caches
// without a debugger.

export interface ProcessMemory {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** C++ objects bound to JS objects, ArrayBuffers included. */
  externalBytes: number;
  arrayBuffersBytes: number;
  /** The outbox's LevelDB block cache and memtables (LevelDB's estimate, outside V8); null without an open outbox. */
  leveldbBytes: number | null;
}

/** Read when a snapshot is taken, never on the hot path. */
export function processMemory(leveldbBytes: number | null = null): ProcessMemory {
  const m = process.memoryUsage();
  return {
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
    arrayBuffersBytes: m.arrayBuffers,
    leveldbBytes,
  };
}
