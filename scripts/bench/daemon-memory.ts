// The daemon's memory broken down for the benches: RSS, RssAnon (V8 heap, LevelDB block cache and
// write buffers, malloc), RssFile (the node binary, mapped files) and VmHWM from /proc/<pid>/status,
// plus V8 heap used/total and external/ArrayBuffer bytes from the daemon's own /status (`process`).
// Peaks are sampled; `summaryLine` prints the one comparable line each bench ends with.
import { readFileSync } from 'node:fs';

export const KIB_PER_MIB = 1024;
const MIB = 1024 * 1024;

export interface MemoryPeaksMiB {
  rss: number;
  anon: number;
  file: number;
  hwm: number;
  heapUsed: number;
  /** The lowest heap used sampled: what survives the collections, where a leak would show. NaN when none was sampled. */
  heapUsedFloor: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** LevelDB's block cache and memtables, by its own estimate (the daemon's /status). */
  leveldb: number;
  /** File-backed RSS of the node binary's mapping, and of LevelDB's memory-mapped table files. */
  fileNode: number;
  fileTables: number;
  /**
   * RSS and anonymous memory once settled: the median of the phase's samples after its first
   * third. At full rate the peak is the first seconds (V8 still unoptimised, queues filling, see
   * docs/storage.md); this is what the daemon holds afterwards.
   */
  settledRss: number;
  settledAnon: number;
}

/** A `/proc/<pid>/status` field in KiB (VmRSS, RssAnon, VmHWM, ...), 0 when absent. */
export function statusKiB(status: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
}

/** Samples /proc every 50 ms, the ops endpoint's /status every 500 ms and smaps every 5 s, keeping the peaks. */
export class MemorySampler {
  private peaks: MemoryPeaksMiB = empty();
  private rssSamples: number[] = [];
  private anonSamples: number[] = [];
  private readonly procTimer: NodeJS.Timeout;
  private readonly mappedTimer: NodeJS.Timeout;
  private readonly httpTimer: NodeJS.Timeout | undefined;
  private fetching = false;

  constructor(
    private readonly pid: () => number,
    private readonly opsPort: number | undefined,
  ) {
    this.procTimer = setInterval(() => this.sampleProc(), 50);
    this.mappedTimer = setInterval(() => this.sampleMapped(), 5000);
    if (opsPort !== undefined) this.httpTimer = setInterval(() => void this.sampleStatus(), 500);
  }

  /**
   * Reading smaps walks the daemon's page tables under its memory-map lock (it measurably slowed the
   * daemon when read every 500 ms): every 5 s, and when a phase ends.
   */
  private sampleMapped(): void {
    const mapped = mappedFileRss(this.pid());
    this.peaks.fileNode = Math.max(this.peaks.fileNode, mapped.node);
    this.peaks.fileTables = Math.max(this.peaks.fileTables, mapped.tables);
  }

  private sampleProc(): void {
    try {
      const s = readFileSync(`/proc/${this.pid()}/status`, 'utf8');
      const p = this.peaks;
      const rss = statusKiB(s, 'VmRSS') / KIB_PER_MIB;
      const anon = statusKiB(s, 'RssAnon') / KIB_PER_MIB;
      if (rss > 0) {
        this.rssSamples.push(rss);
        this.anonSamples.push(anon);
      }
      p.rss = Math.max(p.rss, rss);
      p.anon = Math.max(p.anon, anon);
      p.file = Math.max(p.file, statusKiB(s, 'RssFile') / KIB_PER_MIB);
      p.hwm = Math.max(p.hwm, statusKiB(s, 'VmHWM') / KIB_PER_MIB);
    } catch {
      // The process is starting or exiting.
    }
  }

  private async sampleStatus(): Promise<void> {
    if (this.fetching) return;
    this.fetching = true;
    try {
      const res = await fetch(`http://127.0.0.1:${this.opsPort}/status`, { signal: AbortSignal.timeout(2000) });
      const m = ((await res.json()) as { process?: Record<string, number> }).process;
      if (m) {
        const p = this.peaks;
        p.heapUsed = Math.max(p.heapUsed, m.heapUsedBytes / MIB);
        p.heapUsedFloor = Math.min(p.heapUsedFloor, m.heapUsedBytes / MIB);
        p.heapTotal = Math.max(p.heapTotal, m.heapTotalBytes / MIB);
        p.external = Math.max(p.external, m.externalBytes / MIB);
        p.arrayBuffers = Math.max(p.arrayBuffers, m.arrayBuffersBytes / MIB);
        if (typeof m.leveldbBytes === 'number') p.leveldb = Math.max(p.leveldb, m.leveldbBytes / MIB);
      }
    } catch {
      // Busy or gone: the next sample will tell.
    } finally {
      this.fetching = false;
    }
  }

  /** Peaks since the last call (VmHWM is cumulative by nature), then a new phase starts. */
  take(): MemoryPeaksMiB {
    this.sampleProc();
    this.sampleMapped();
    const out = this.peaks;
    if (out.heapUsedFloor === Infinity) out.heapUsedFloor = NaN;
    out.settledRss = settledMedian(this.rssSamples);
    out.settledAnon = settledMedian(this.anonSamples);
    this.peaks = empty();
    this.rssSamples = [];
    this.anonSamples = [];
    return out;
  }

  stop(): void {
    clearInterval(this.procTimer);
    clearInterval(this.mappedTimer);
    if (this.httpTimer) clearInterval(this.httpTimer);
  }
}

function empty(): MemoryPeaksMiB {
  return {
    rss: 0, anon: 0, file: 0, hwm: 0, heapUsed: 0, heapUsedFloor: Infinity, heapTotal: 0, external: 0, arrayBuffers: 0,
    leveldb: 0, fileNode: 0, fileTables: 0, settledRss: NaN, settledAnon: NaN,
  };
}

/** The median of the samples after the first third (in the order taken); NaN for fewer than three. */
export function settledMedian(samples: readonly number[]): number {
  if (samples.length < 3) return NaN;
  const later = samples.slice(Math.floor(samples.length / 3)).sort((a, b) => a - b);
  const mid = later.length >> 1;
  return later.length % 2 ? later[mid] : (later[mid - 1] + later[mid]) / 2;
}

/** File-backed RSS (MiB) of the node binary and of LevelDB's table files (`*.ldb`), from /proc/<pid>/smaps. */
export function mappedFileRss(pid: number): { node: number; tables: number } {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return { node: 0, tables: 0 };
  }
  let node = 0;
  let tables = 0;
  let path = '';
  for (const line of text.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      path = header[1];
      continue;
    }
    if (!line.startsWith('Rss:')) continue;
    const kib = Number(/(\d+)/.exec(line)?.[1] ?? 0);
    if (path.endsWith('.ldb')) tables += kib;
    else if (path === process.execPath || path.endsWith('/bin/node')) node += kib;
  }
  return { node: node / KIB_PER_MIB, tables: tables / KIB_PER_MIB };
}

/** The memory part of a summary line, in a fixed order. */
export function memoryFields(p: MemoryPeaksMiB, prefix = ''): Record<string, number> {
  return {
    [`${prefix}peak_rss_mb`]: round(p.rss),
    [`${prefix}hwm_mb`]: round(p.hwm),
    [`${prefix}heap_used_mb`]: round(p.heapUsed),
    [`${prefix}heap_total_mb`]: round(p.heapTotal),
    [`${prefix}external_mb`]: round(p.external),
    [`${prefix}array_buffers_mb`]: round(p.arrayBuffers),
    [`${prefix}anon_mb`]: round(p.anon),
    [`${prefix}file_mb`]: round(p.file),
    [`${prefix}file_node_mb`]: round(p.fileNode),
    [`${prefix}file_tables_mb`]: round(p.fileTables),
    [`${prefix}leveldb_mb`]: round(p.leveldb),
    [`${prefix}settled_rss_mb`]: round(p.settledRss),
    [`${prefix}settled_anon_mb`]: round(p.settledAnon),
  };
}

/** One decimal, as every bench prints MiB; NaN for a figure not measured. */
export const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 10) / 10 : NaN);


/** The parts of the daemon's /status the benches read besides memory. */
export interface DaemonStatusFigures {
  /** Frames refused at the radio sources under overload (back-pressure). */
  refused: number;
  /** Frames stored in the outbox (appended). */
  forwarded: number;
  depth: number;
  /** Appended records not yet written. */
  pending: number;
  heapUsedMiB: number;
  externalMiB: number;
}

/** Reads /status once; null when the ops endpoint does not answer. */
export async function daemonStatus(opsPort: number): Promise<DaemonStatusFigures | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${opsPort}/status`, { signal: AbortSignal.timeout(5000) });
    const s = (await res.json()) as {
      intake?: { refused: { overload: number } };
      pipeline: { forwarded: number };
      outbox: { depth: number; pending: number };
      process?: Record<string, number>;
    };
    return {
      refused: s.intake?.refused.overload ?? 0,
      forwarded: s.pipeline.forwarded,
      depth: s.outbox.depth,
      pending: s.outbox.pending,
      heapUsedMiB: (s.process?.heapUsedBytes ?? NaN) / MIB,
      externalMiB: (s.process?.externalBytes ?? NaN) / MIB,
    };
  } catch {
    return null;
  }
}
