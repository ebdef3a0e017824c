// `npm run bench:memory-time`: is the daemon's memory flat over time? The daemon as shipped
// (defaults, storage.sync on, its cron jobs) takes a steady stream of frames from the packet-forwarder
// simulator (another process) for BENCH_MINUTES (default 10) at BENCH_RATE frames/s (default 500,
// a busy gateway's radio), while a hub subscriber counts what arrives. Each minute it prints the
// daemon's memory as the other benches' sampler sees it: RSS and RssAnon (max), the V8 heap's floor
// (its lowest used size: what survives the collections, where a leak shows; the peaks are only
// garbage waiting), external buffers and
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
import { BatchRecordCount, LightSubscriber } from './light-subscriber.js';
import { MemorySampler, daemonStatus, round as r1, type MemoryPeaksMiB } from './daemon-memory.js';
import { summaryLine } from './summary-line.js';
import { slope } from './trend.js';

const MINUTES = Number(process.env.BENCH_MINUTES ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 500);
/** How often the run checks whether the simulator finished or the daemon died. */
const POLL_MS = 1000;
const GATEWAY = '0016c001ff10f1a7';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One minute: what arrived by its end, the outbox depth then, and the memory peaks (and heap floor) within it. */
interface MinuteFigures {
  minute: number;
  received: number;
  depth: number;
  memory: MemoryPeaksMiB;
}

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
  const batches = new BatchRecordCount();
  const hub = await LightSubscriber.connect(broker.url, 'bench-time-hub', [{ topic: batchFilter('eu868', GATEWAY), qos: 1 }], (_topic, payload) => batches.add(payload));
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
    const memory = new MemorySampler(() => pid, daemon.opsPort);
    memory.take();
    const t0 = performance.now();
    let minute = 1;
    try {
      while (!simDone) {
        await sleep(POLL_MS);
        if (daemon.lastExit !== null) {
          console.log(`the daemon exited (code ${String(daemon.lastExit.code)}, signal ${String(daemon.lastExit.signal)}); its log ends:`);
          console.log(readFileSync(daemon.logFile, 'utf8').slice(-2000));
          sim.kill('SIGTERM');
          await simExit;
          break;
        }
        if (performance.now() - t0 < minute * 60_000) continue;
        const m: MinuteFigures = { minute, received: batches.records, depth: (await daemonStatus(daemon.opsPort))?.depth ?? NaN, memory: memory.take() };
        minutes.push(m);
        const p = m.memory;
        console.log(
          `  min ${String(minute).padStart(3)}: ${m.received} received, RSS ${r1(p.rss)} MiB, anon ${r1(p.anon)}, heap floor ${r1(p.heapUsedFloor)} ` +
            `(max ${r1(p.heapUsed)}, total ${r1(p.heapTotal)}), external ${r1(p.external)}, LevelDB ${r1(p.leveldb)}, node binary ${r1(p.fileNode)}, ` +
            `tables ${r1(p.fileTables)}, depth ${m.depth}`,
        );
        minute += 1;
      }
    } finally {
      memory.stop();
    }
    framesSent = simFramesSent(simOut);
    // The last append group and batch.
    const deadline = Date.now() + 30_000;
    while (batches.records < framesSent && daemon.lastExit === null && Date.now() < deadline) await sleep(200);
  } finally {
    await daemon.stop();
    await hub.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const later = minutes.filter((m) => m.minute > 1);
  const xs = later.map((m) => m.minute / 60);
  const perHour = (pick: (p: MemoryPeaksMiB) => number) => r1(slope(xs, later.map((m) => pick(m.memory))));
  const records = batches.records;
  const mismatch = batches.mismatch();
  if (mismatch) console.log(`warning: ${mismatch}`);
  console.log(`growth per hour after minute 1 (least squares over ${later.length} minutes): RSS ${perHour((p) => p.rss)} MiB, anon ${perHour((p) => p.anon)}, heap floor ${perHour((p) => p.heapUsedFloor)}, heap total ${perHour((p) => p.heapTotal)}, external ${perHour((p) => p.external)}`);
  console.log(`load average (1 min) ${loadavg()[0].toFixed(2)}: figures are noisy on a shared machine`);
  const first = later[0]?.memory;
  const last = later[later.length - 1]?.memory;
  console.log(
    summaryLine('memory-time', {
      broker: broker.kind, minutes: MINUTES, rate: RATE, sent: framesSent, received: records, not_received: Math.max(0, framesSent - records),
      rss_first_mb: r1(first?.rss ?? NaN), rss_last_mb: r1(last?.rss ?? NaN), peak_rss_mb: r1(minutes.length > 0 ? Math.max(...minutes.map((m) => m.memory.rss)) : NaN),
      heap_floor_first_mb: r1(first?.heapUsedFloor ?? NaN), heap_floor_last_mb: r1(last?.heapUsedFloor ?? NaN),
      rss_mb_per_h: perHour((p) => p.rss), anon_mb_per_h: perHour((p) => p.anon), heap_floor_mb_per_h: perHour((p) => p.heapUsedFloor),
    }),
  );
}

try {
  await main();
} catch (err) {
  console.error(`bench:memory-time failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
}
