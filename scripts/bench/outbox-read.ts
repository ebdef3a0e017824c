// `npm run bench:outbox-read`: reading a LevelDB backlog batch by batch, as the drain does, two ways:
// readAfter (getMany windows, keys-only probes: what the daemon does) and one value-carrying
// iterator per batch read (what it did). classic-level keeps a closed iterator's last chunk in
// native memory until V8 collects the iterator's handle; the second way showed it: anonymous
// memory grew by hundreds of MB while V8's heap stayed small. Each way runs in a child process
// with the daemon's node flags and malloc settings, twice: V8's default young generation and a
// 4 MiB one (which made it worse). Figures are printed, never asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagePath } from '../../src/paths.js';
import { daemonNodeFlags, withDaemonMallocEnv } from '../../src/node-flags.js';
import { openStore, readAfter, type OutboxDb } from '../../src/outbox/store.js';
import { RECORD_KEY_END, recordKey } from '../../src/outbox/keys.js';
import { KIB_PER_MIB, statusKiB } from './daemon-memory.js';
import { summaryLine, type SummaryFields } from './summary-line.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
/** A batch's worth, as the batch publisher asks for it. */
const BATCH_RECORDS = 300;
const BATCH_BYTES = 230_000;
const WAYS = ['readAfter', 'iterator per read'] as const;

function anonMiB(): number {
  return statusKiB(readFileSync('/proc/self/status', 'utf8'), 'RssAnon') / KIB_PER_MIB;
}

async function fill(db: OutboxDb): Promise<void> {
  const pad = 'x'.repeat(680);
  for (let from = 1; from <= RECORDS; from += 1000) {
    const batch = db.batch();
    for (let seq = from; seq < from + 1000 && seq <= RECORDS; seq++) {
      batch.put(recordKey(seq), Buffer.from(`{"seq":${seq},"capturedAt":"2026-12-07T00:00:00.000Z","p":"${pad}"}`));
    }
    await batch.write();
  }
}

/** One batch read by a value-carrying iterator, closed at once: the daemon's old readRange. */
async function iteratorRead(db: OutboxDb, afterSeq: number): Promise<number[]> {
  const it = db.iterator({ gt: recordKey(afterSeq), lt: RECORD_KEY_END, limit: BATCH_RECORDS, highWaterMarkBytes: 256 * 1024 });
  const seqs: number[] = [];
  let bytes = 0;
  while (seqs.length < BATCH_RECORDS && bytes < BATCH_BYTES) {
    const entries = await it.nextv(BATCH_RECORDS - seqs.length);
    if (entries.length === 0) break;
    for (const [key, value] of entries) {
      seqs.push(key.readUInt32BE(5));
      bytes += value.length;
    }
  }
  await it.close();
  return seqs;
}

async function child(way: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-bench-read-'));
  const db = await openStore(dir, { create: true });
  try {
    await fill(db);
    const start = Date.now();
    const startAnon = anonMiB();
    let peak = startAnon;
    let records = 0;
    let passes = 0;
    while (Date.now() - start < SECONDS * 1000) {
      let cursor = 0;
      for (;;) {
        let seqs: number[];
        if (way === 'readAfter') {
          const read = await readAfter(db, cursor, BATCH_RECORDS, { maxValueBytes: BATCH_BYTES, typicalValueBytes: 760 });
          seqs = read.entries.map((e) => e.seq!);
          if (read.exhausted && seqs.length === 0) break;
        } else {
          seqs = await iteratorRead(db, cursor);
          if (seqs.length === 0) break;
        }
        records += seqs.length;
        cursor = seqs[seqs.length - 1] ?? cursor;
        peak = Math.max(peak, anonMiB());
        if (Date.now() - start >= SECONDS * 1000) break;
      }
      passes += 1;
    }
    const m = process.memoryUsage();
    const perS = Math.round(records / ((Date.now() - start) / 1000));
    console.log(JSON.stringify({ records_per_s: perS, passes, start_anon_mib: +startAnon.toFixed(1), peak_anon_mib: +peak.toFixed(1), heap_total_mib: +(m.heapTotal / 2 ** 20).toFixed(1) }));
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const self = fileURLToPath(import.meta.url);
  const flags = daemonNodeFlags(packagePath('dist', 'src', 'main.js'));
  console.log(`backlog reads: ${RECORDS} records of ~760 B, read ${BATCH_RECORDS} at a time (<= ${BATCH_BYTES} B) for ${SECONDS} s per run`);
  const rows: Record<string, string | number>[] = [];
  const summary: SummaryFields = { records: RECORDS, seconds: SECONDS };
  for (const young of ['default', '4']) {
    for (const way of WAYS) {
      const extra = young === 'default' ? [] : [`--max-semi-space-size=${young}`];
      const run = spawnSync(process.execPath, [...flags, ...extra, self, way], { env: withDaemonMallocEnv(process.env), encoding: 'utf8' });
      const line = run.stdout.trim().split('\n').pop() ?? '';
      if (run.status !== 0 || !line.startsWith('{')) throw new Error(`child ${way} failed (${run.status}): ${run.stderr}`);
      const r = JSON.parse(line) as Record<string, number>;
      rows.push({ way, youngGenSemiSpaceMiB: young, ...r });
      const tag = `${way === 'readAfter' ? 'read_after' : 'iterator'}_semi_${young}`;
      summary[`${tag}_per_s`] = r.records_per_s;
      summary[`${tag}_peak_anon_mib`] = r.peak_anon_mib;
    }
  }
  console.table(rows);
  console.log(summaryLine('outbox-read', summary));
}

const way = process.argv[2];
if (way) {
  child(way).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main();
}
