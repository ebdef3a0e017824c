// `npm run bench:memory-time`: is the daemon's memory flat over time? The daemon as shipped
// (defaults, storage.sync on, its cron jobs) takes a steady stream of frames from the packet-forwarder
// simulator (another process) for BENCH_MINUTES (default 10) at BENCH_RATE frames/s (default 500,
// a busy gateway's radio), while a hub subscriber counts what arrives. Each minute it prints the
// daemon's memory: RSS and RssAnon (max), the V8 heap's floor (its lowest used size: what survives
// the collections, where a leak shows; the peaks are only garbage waiting), external buffers and
// the node binary's and LevelDB's mapped pages. At the end, growth per hour is the least-squares
// slope over the minutes after the first (start-up and warm-up). Printed, never asserted.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/paths.js';
import { batchFilter } from '../../src/mqtt/chirpstack/topics.js';
import { startAedes, startMosquitto, mosquittoPath } from '../../test/helpers/brokers.js';
import { createDaemonProcess } from '../../test/helpers/faults/daemon-process.js';
import { LightSubscriber, batchSeqRange } from './light-subscriber.js';
import { KIB_PER_MIB, daemonStatus, mappedFileRss, statusKiB, summaryLine, type DaemonStatusFigures } from './daemon-memory.js';
import { slope } from './trend.js';

const MINUTES = Number(process.env.BENCH_MINUTES ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SAMPLE_MS = 1000;
const GATEWAY = '0016c001ff10f1a7';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One minute of samples, reduced to what is compared minute to minute. */
interface MinuteFigures {
  minute: number;
  received: number;
  rssMax: number;
  anonMax: number;
  heapFloor: number;
  heapMax: number;
  heapTotalMax: number;
  externalMax: number;
  leveldbMax: number;
  fileNode: number;
  fileTables: number;
  depth: number;
}

class MinuteWindow {
  rssMax = 0;
  anonMax = 0;
  heapFloor = Infinity;
  heapMax = 0;
  heapTotalMax = 0;
  externalMax = 0;
  leveldbMax = 0;
  depth = 0;

  sample(pid: number, st: DaemonStatusFigures | null): void {
    try {
      const s = readFileSync(`/proc/${pid}/status`, 'utf8');
      this.rssMax = Math.max(this.rssMax, statusKiB(s, 'VmRSS') / KIB_PER_MIB);
      this.anonMax = Math.max(this.anonMax, statusKiB(s, 'RssAnon') / KIB_PER_MIB);
    } catch {
      // Exiting.
    }
    if (!st) return;
    this.heapFloor = Math.min(this.heapFloor, st.heapUsedMiB);
    this.heapMax = Math.max(this.heapMax, st.heapUsedMiB);
    this.heapTotalMax = Math.max(this.heapTotalMax, st.heapTotalMiB);
    this.externalMax = Math.max(this.externalMax, st.externalMiB);
    this.leveldbMax = Math.max(this.leveldbMax, st.leveldbMiB);
    this.depth = st.depth;
  }
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** The simulator's own count from its JSON summary; NaN when it printed none (it was stopped). */
function simFramesSent(out: string): number {
  try {
    return (JSON.parse(out) as { framesSent: number }).framesSent;
  } catch {
    return NaN;
  }
}

async function main(): Promise<void> {
  const useMosquitto = mosquittoPath() !== undefined;
  if (!useMosquitto) console.log('mosquitto not installed: measuring against the embedded aedes broker instead');
  const broker = useMosquitto ? await startMosquitto() : await startAedes();
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-bench-time-'));
  let records = 0;
  let highestSeq = 0;
  const hub = await LightSubscriber.connect(broker.url, 'bench-time-hub', [{ topic: batchFilter('eu868', GATEWAY), qos: 1 }], (_topic, payload) => {
    const range = batchSeqRange(payload);
    if (range) {
      records += range.last - range.first + 1;
      highestSeq = Math.max(highestSeq, range.last);
    } else records += (JSON.parse(payload.toString()) as { records: unknown[] }).records.length;
  });
  const daemon = await createDaemonProcess({ dir, gatewayId: GATEWAY, brokerUrl: broker.url, logLevel: 'warn', compression: 'none' });
  const minutes: MinuteFigures[] = [];
  let framesSent = 0;
  try {
    await daemon.start();
    const pid = daemon.pid!;
    const count = Math.round(RATE * MINUTES * 60);
    console.log(`daemon at ${RATE} frames/s for ${MINUTES} min (${count} frames), storage.sync on, as shipped; one line a minute:`);
    const sim = spawn(process.execPath, [packagePath('dist', 'src', 'main.js'), 'simulate', 'udp', '--target', `127.0.0.1:${daemon.udpPort}`,
      '--rate', String(RATE), '--count', String(count), '--devices', '200', '--gateway', GATEWAY], { stdio: ['ignore', 'pipe', 'inherit'] });
    let simOut = '';
    sim.stdout!.on('data', (c: Buffer) => (simOut += c.toString()));
    const simExit = new Promise<void>((r) => sim.once('exit', () => r()));
    let simDone = false;
    void simExit.then(() => (simDone = true));
    const t0 = performance.now();
    let window = new MinuteWindow();
    let minute = 1;
    while (!simDone) {
      await sleep(SAMPLE_MS);
      if (daemon.lastExit !== null) {
        console.log(`the daemon exited (code ${String(daemon.lastExit.code)}, signal ${String(daemon.lastExit.signal)}); its log ends:`);
        console.log(readFileSync(daemon.logFile, 'utf8').slice(-2000));
        sim.kill('SIGTERM');
        await simExit;
        break;
      }
      const st = await daemonStatus(daemon.opsPort);
      window.sample(pid, st);
      if (performance.now() - t0 >= minute * 60_000) {
        const mapped = mappedFileRss(pid);
        const m: MinuteFigures = {
          minute, received: records, rssMax: r1(window.rssMax), anonMax: r1(window.anonMax), heapFloor: r1(window.heapFloor),
          heapMax: r1(window.heapMax), heapTotalMax: r1(window.heapTotalMax), externalMax: r1(window.externalMax), leveldbMax: r1(window.leveldbMax), fileNode: r1(mapped.node), fileTables: r1(mapped.tables), depth: window.depth,
        };
        minutes.push(m);
        console.log(`  min ${String(m.minute).padStart(3)}: ${m.received} received, RSS ${m.rssMax} MiB, anon ${m.anonMax}, heap floor ${m.heapFloor} (max ${m.heapMax}, total ${m.heapTotalMax}), external ${m.externalMax}, LevelDB ${m.leveldbMax}, node binary ${m.fileNode}, tables ${m.fileTables}, depth ${m.depth}`);
        window = new MinuteWindow();
        minute += 1;
      }
    }
    framesSent = simFramesSent(simOut);
    // The last append group and batch.
    const deadline = Date.now() + 30_000;
    while (records < framesSent && daemon.lastExit === null && Date.now() < deadline) await sleep(200);
  } finally {
    await daemon.stop();
    await hub.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const later = minutes.filter((m) => m.minute > 1);
  const xs = later.map((m) => m.minute / 60);
  const perHour = (pick: (m: MinuteFigures) => number) => r1(slope(xs, later.map(pick)));
  if (highestSeq !== records) console.log(`warning: ${records} records counted from batch ranges, but the highest seq is ${highestSeq} (a re-sent batch, or gaps)`);
  console.log(`growth per hour after minute 1 (least squares over ${later.length} minutes): RSS ${perHour((m) => m.rssMax)} MiB, anon ${perHour((m) => m.anonMax)}, heap floor ${perHour((m) => m.heapFloor)}, heap total ${perHour((m) => m.heapTotalMax)}, external ${perHour((m) => m.externalMax)}`);
  console.log(`load average (1 min) ${loadavg()[0].toFixed(2)}: figures are noisy on a shared machine`);
  const first = later[0];
  const last = later[later.length - 1];
  console.log(
    summaryLine('memory-time', {
      broker: broker.kind, minutes: MINUTES, rate: RATE, sent: framesSent, received: records, not_received: Math.max(0, framesSent - records),
      rss_first_mb: first?.rssMax ?? NaN, rss_last_mb: last?.rssMax ?? NaN, peak_rss_mb: minutes.length > 0 ? Math.max(...minutes.map((m) => m.rssMax)) : NaN,
      heap_floor_first_mb: first?.heapFloor ?? NaN, heap_floor_last_mb: last?.heapFloor ?? NaN,
      rss_mb_per_h: perHour((m) => m.rssMax), anon_mb_per_h: perHour((m) => m.anonMax), heap_floor_mb_per_h: perHour((m) => m.heapFloor),
    }),
  );
}

try {
  await main();
} catch (err) {
  console.error(`bench:memory-time failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
}
