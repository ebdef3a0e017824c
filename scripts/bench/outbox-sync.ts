// `npm run bench:sync`: what `storage.sync: true` costs. An Outbox with the daemon's default
// grouping (storage.flushInterval / flushMaxRecords) is driven at 50 and 500 records/s, with sync
// false and true (and true with a 100 ms group window), each run in its own child process on the
// real disk (ext4).
// Per run: fsync/fdatasync calls per record (strace -c on the child), bytes the child caused to be
// written to disk per record (/proc/self/io write_bytes: pages dirtied, so every re-dirtied page of
// the log after an fdatasync counts again, as it would wear an SD card), write syscalls per record,
// and append-to-flushed latency p50/p99; as root, the runs use an ext4 loop device of their own and
// also report the bytes that device wrote per record (journal included, after a final writeback),
// which is what an SD card would be asked to write. Figures only: nothing is asserted (shared, noisy machine).
// Env: BENCH_SYNC_SECONDS (default 20), BENCH_SYNC_RATES (default "50,500").
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Outbox } from '../../src/outbox/index.js';
import { configSchema } from '../../src/config/schema.js';
import { sampleRecord } from '../../test/fixtures/outbox/records.js';
import { summaryLine, type SummaryFields } from './summary-line.js';

const SECONDS = Number(process.env.BENCH_SYNC_SECONDS ?? 20);
const RATES = (process.env.BENCH_SYNC_RATES ?? '50,500').split(',').map(Number);
const TICK_MS = 5;
/** The longer group window (storage.flushInterval) measured beside the default. */
const LONG_WINDOW_MS = 100;

interface ChildResult {
  records: number;
  writeBytes: number;
  syscw: number;
  storedBytes: number;
  p50: number;
  p99: number;
  max: number;
  fsyncs: number | null;
  deviceBytes: number | null;
}

function procIo(): { writeBytes: number; syscw: number } {
  const text = readFileSync('/proc/self/io', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { writeBytes: field('write_bytes'), syscw: field('syscw') };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Child: appends at `rate` for SECONDS, then prints one JSON line of figures. */
async function child(dir: string, rate: number, sync: boolean, flushIntervalMs: number): Promise<void> {
  const defaults = configSchema.shape.storage.parse(undefined);
  const outbox = await Outbox.open({ dir, sync, flushIntervalMs, flushMaxRecords: defaults.flushMaxRecords });
  const appendedAt = new Map<number, number>();
  const latencies: number[] = [];
  let flushedUpTo = 0;
  outbox.onFlushed((last) => {
    const now = performance.now();
    for (let s = flushedUpTo + 1; s <= last; s++) {
      const t = appendedAt.get(s);
      if (t !== undefined) latencies.push(now - t);
      appendedAt.delete(s);
    }
    flushedUpTo = last;
  });
  const before = procIo();
  const started = performance.now();
  let appended = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      const due = Math.min(Math.floor((elapsed / 1000) * rate), rate * SECONDS);
      for (; appended < due; appended++) {
        const seq = outbox.stats().nextSeq;
        appendedAt.set(seq, performance.now());
        outbox.append(sampleRecord(seq, new Date().toISOString(), 10));
      }
      if (appended >= rate * SECONDS) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  await outbox.flush();
  const after = procIo();
  const storedBytes = outbox.stats().bytes;
  await outbox.close();
  latencies.sort((a, b) => a - b);
  const out: ChildResult = {
    records: appended,
    writeBytes: after.writeBytes - before.writeBytes,
    syscw: after.syscw - before.syscw,
    storedBytes,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    fsyncs: null,
    deviceBytes: null,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/**
 * A file system of its own for the runs: a 512 MiB ext4 image on a loop device (root only), so the
 * device's write counter (/sys/block/loopN/stat, sectors written) holds this run's bytes alone,
 * the ext4 journal included, as an SD card would see them. Null when it cannot be set up.
 */
interface BenchDisk {
  dir: string;
  /** Bytes written to the device so far, after writing back everything dirty (sync). */
  written(): number;
  release(): void;
}

function loopDisk(): BenchDisk | null {
  if (process.getuid?.() !== 0) return null;
  const base = mkdtempSync(join(tmpdir(), 'lora-edge-bench-disk-'));
  const image = join(base, 'disk.img');
  const dir = join(base, 'mnt');
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });
  try {
    mkdirSync(dir);
    if (run('truncate', ['-s', '512M', image]).status !== 0) throw new Error('truncate');
    if (run('mkfs.ext4', ['-q', '-F', image]).status !== 0) throw new Error('mkfs.ext4');
    if (run('mount', ['-o', 'loop', image, dir]).status !== 0) throw new Error('mount -o loop');
  } catch {
    rmSync(base, { recursive: true, force: true });
    return null;
  }
  const source = run('findmnt', ['-n', '-o', 'SOURCE', dir]).stdout.trim(); // /dev/loopN
  const stat = `/sys/block/${basename(source)}/stat`;
  return {
    dir,
    written() {
      run('sync', ['-f', dir]);
      return Number(readFileSync(stat, 'utf8').trim().split(/\s+/)[6]) * 512;
    },
    release() {
      run('umount', [dir]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** fsync + fdatasync calls from an `strace -c` summary file. */
function straceSyncCalls(file: string): number {
  let calls = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const cols = line.trim().split(/\s+/);
    const name = cols[cols.length - 1];
    if (name === 'fsync' || name === 'fdatasync') {
      // columns: % time, seconds, usecs/call, calls, [errors,] syscall
      calls += Number(cols[3]);
    }
  }
  return calls;
}

async function runOne(rate: number, sync: boolean, flushIntervalMs: number, strace: boolean, disk: BenchDisk | null): Promise<ChildResult> {
  const dir = mkdtempSync(join(disk?.dir ?? tmpdir(), 'lora-edge-bench-sync-'));
  const summary = join(dir, 'strace.txt');
  const self = fileURLToPath(import.meta.url);
  const nodeCmd = [process.execPath, self, '--child', join(dir, 'outbox'), String(rate), sync ? 'sync' : 'nosync', String(flushIntervalMs)];
  const cmd = strace ? ['strace', '-f', '-c', '-e', 'trace=fsync,fdatasync', '-o', summary, ...nodeCmd] : nodeCmd;
  try {
    const deviceBefore = disk?.written() ?? null;
    const result = await new Promise<ChildResult>((resolve, reject) => {
      const proc = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
      proc.on('exit', (code) => {
        if (code !== 0) reject(new Error(`bench child exited with ${code}`));
        else resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
      });
    });
    if (strace) result.fsyncs = straceSyncCalls(summary);
    // Written back before reading: with sync false the records reach the card later, not never.
    const deviceAfter = disk?.written() ?? null;
    if (deviceBefore !== null && deviceAfter !== null) result.deviceBytes = deviceAfter - deviceBefore;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const strace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
  const disk = loopDisk();
  try {
    await runAll(strace, disk);
  } finally {
    disk?.release();
  }
}

async function runAll(strace: boolean, disk: BenchDisk | null): Promise<void> {
  const defaults = configSchema.shape.storage.parse(undefined);
  console.log(
    `outbox sync cost: ${SECONDS} s per run, flushInterval ${defaults.flushInterval} ms, flushMaxRecords ${defaults.flushMaxRecords}, ` +
      (disk ? 'on a fresh ext4 loop device (device bytes include the journal)' : `dir under ${tmpdir()} (not root: no loop device, device bytes n/a)`) +
      (strace ? '' : ' (strace missing: fsync counts unavailable; apt-get install strace)'),
  );
  const rows: string[] = [];
  const summary: SummaryFields = {};
  // The default, sync on with the default group window, and sync on with a longer window (fewer
  // fsyncs per record at the cost of latency): the knob to turn before turning sync off.
  const configs = [
    { sync: false, interval: defaults.flushInterval },
    { sync: true, interval: defaults.flushInterval },
    { sync: true, interval: LONG_WINDOW_MS },
  ];
  for (const rate of RATES) {
    for (const { sync, interval } of configs) {
      const r = await runOne(rate, sync, interval, strace, disk);
      const per = (n: number) => (n / r.records).toFixed(2);
      const line =
        `rate ${String(rate).padStart(3)}/s sync ${String(sync).padEnd(5)} window ${String(interval).padStart(3)} ms | records ${r.records} | ` +
        `fsyncs/record ${r.fsyncs === null ? 'n/a' : per(r.fsyncs)} | disk bytes/record ${(r.writeBytes / r.records).toFixed(0)} ` +
        `(record JSON ${(r.storedBytes / Math.max(1, r.records)).toFixed(0)}) | device bytes/record ${r.deviceBytes === null ? 'n/a' : (r.deviceBytes / r.records).toFixed(0)} | ` +
        `write syscalls/record ${per(r.syscw)} | ` +
        `latency p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms max ${r.max.toFixed(1)} ms`;
      console.log(line);
      rows.push(line);
      const key = `r${rate}_${sync ? 'sync' : 'nosync'}_w${interval}`;
      summary[`${key}_fsyncs_per_record`] = r.fsyncs === null ? 'n/a' : per(r.fsyncs);
      summary[`${key}_device_bytes_per_record`] = r.deviceBytes === null ? 'n/a' : Math.round(r.deviceBytes / r.records);
      summary[`${key}_p99_ms`] = Number(r.p99.toFixed(1));
    }
  }
  console.log('\nsummary');
  for (const row of rows) console.log(row);
  console.log(summaryLine('outbox-sync', summary));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, Number(process.argv[4]), process.argv[5] === 'sync', Number(process.argv[6]));
} else {
  await main();
}
