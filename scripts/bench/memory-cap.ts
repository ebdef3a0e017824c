// `npm run bench:memory-cap`: the daemon under a hard memory limit (a cgroup v1 child of our own
// memory cgroup, 150 MiB by default) at full UDP rate for ~20 s, then while draining a backlog
// filled with the broker down. Reports whether it stayed up (no OOM kill), the cgroup's peak usage
// and whether every frame the daemon acknowledged (PUSH_ACK) reached the hub. A second run pins the
// daemon to one core (taskset), a rough Raspberry Pi stand-in, for frames/s and drain rate.
// Figures are printed, never asserted. Needs root and a writable cgroup v1 memory hierarchy.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchFilter } from '../../src/mqtt/chirpstack/topics.js';
import { createDaemonProcess, type DaemonProcess } from '../../test/helpers/faults/daemon-process.js';
import { startBrokerProcess, type BrokerProcess } from '../../test/helpers/faults/broker-process.js';
import { UdpTraffic } from '../../test/helpers/faults/udp-traffic.js';
import { HubSubscriber } from '../../test/helpers/faults/hub-subscriber.js';
import { prng } from '../../test/helpers/faults/prng.js';
import { mosquittoPath } from '../../test/helpers/brokers.js';
import { MemorySampler, daemonStatus, round } from './daemon-memory.js';
import { summaryLine } from './summary-line.js';
import { pinTo } from './machine-cpu.js';

const LIMIT_MIB = Number(process.env.BENCH_CAP_MIB ?? 150);
const LIVE_SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 20);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 200_000);
const STALL_MS = 30_000;
const GATEWAY = '0016c001ff10ca95';
const MIB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A child memory cgroup (v1) under the one this process is in. */
class MemoryCgroup {
  private constructor(
    readonly dir: string,
    private readonly parent: string,
  ) {}

  static create(name: string, limitBytes: number): MemoryCgroup {
    const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => /^\d+:memory:/.test(l));
    if (!line) throw new Error('no cgroup v1 memory controller in /proc/self/cgroup');
    const parent = join('/sys/fs/cgroup/memory', line.slice(line.indexOf(':memory:') + ':memory:'.length));
    const dir = join(parent, name);
    mkdirSync(dir);
    const cg = new MemoryCgroup(dir, parent);
    cg.write('memory.limit_in_bytes', String(limitBytes));
    // No swap here; if there were, memsw would have to be capped as well for the limit to bite.
    if (existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) cg.write('memory.memsw.limit_in_bytes', String(limitBytes));
    return cg;
  }

  write(file: string, value: string): void {
    writeFileSync(join(this.dir, file), value);
  }

  read(file: string): string {
    return readFileSync(join(this.dir, file), 'utf8');
  }

  /**
   * Runs `spawn` (which must fork synchronously) with this process inside the cgroup, so the child
   * is born there and its start-up memory is charged to the limit too: this kernel refuses
   * memory.move_charge_at_immigrate, so moving the child in later would leave that memory outside.
   */
  bornInside<T>(spawn: () => T): T {
    this.write('cgroup.procs', String(process.pid));
    try {
      return spawn();
    } finally {
      writeFileSync(join(this.parent, 'cgroup.procs'), String(process.pid));
    }
  }

  pids(): number[] {
    return this.read('cgroup.procs').split('\n').filter(Boolean).map(Number);
  }

  figures(): { maxUsageMiB: number; failcnt: number; oomKills: number; underOom: boolean } {
    const oom = this.read('memory.oom_control');
    return {
      maxUsageMiB: Number(this.read('memory.max_usage_in_bytes')) / MIB,
      failcnt: Number(this.read('memory.failcnt')),
      oomKills: Number(/oom_kill (\d+)/.exec(oom)?.[1] ?? 0),
      underOom: /under_oom 1/.test(oom),
    };
  }

  /** Resets the peaks between phases. */
  resetPeak(): void {
    this.write('memory.max_usage_in_bytes', '0');
    this.peakAnonBytes = 0;
  }

  /**
   * The peak of anonymous memory charged here (memory.stat rss), sampled: max_usage_in_bytes also
   * counts the page cache of the files the daemon writes, which fills up to the limit and is
   * reclaimed, so it reaches the limit whatever the daemon itself needs.
   */
  peakAnonBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  sampleAnon(): void {
    this.timer = setInterval(() => {
      try {
        this.peakAnonBytes = Math.max(this.peakAnonBytes, Number(/^rss (\d+)$/m.exec(this.read('memory.stat'))?.[1] ?? 0));
      } catch {
        // Removed.
      }
    }, 100);
  }

  remove(): void {
    clearInterval(this.timer);
    try {
      rmdirSync(this.dir);
    } catch (err) {
      console.error(`cannot remove ${this.dir}: ${(err as Error).message}`);
    }
  }
}

interface RunResult {
  label: string;
  up: boolean;
  exit: string;
  liveFramesPerS: number;
  livePeakMiB: number;
  liveCgAnonMiB: number;
  liveRssMiB: number;
  backlog: number;
  drainPerS: number;
  drainPeakMiB: number;
  drainCgAnonMiB: number;
  drainRssMiB: number;
  drainAnonMiB: number;
  heapUsedMiB: number;
  acked: number;
  /** Acknowledged frames refused at the door (overload): never stored, not lost records. */
  refused: number;
  lost: number;
  failcnt: number;
  oomKills: number;
}

/** Frames sent as fast as the daemon acknowledges them for `seconds`. */
async function fullRate(traffic: UdpTraffic, seconds: number, daemon: DaemonProcess): Promise<number> {
  const acked0 = traffic.acked().length;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 && daemon.lastExit === null) await traffic.burst(1000);
  await sleep(500);
  return (traffic.acked().length - acked0) / ((performance.now() - t0 - 500) / 1000);
}

/** Acknowledged frames the hub has not received (by PHYPayload). */
function missing(traffic: UdpTraffic, hub: HubSubscriber): number {
  const received = new Set<number>();
  for (const payload of hub.payloadCount.keys()) {
    const id = traffic.idByPayload.get(payload);
    if (id !== undefined) received.add(id);
  }
  return traffic.frames.filter((f) => f.ackedAt !== null && !received.has(f.id)).length;
}

/** Frames the daemon refused at the door so far (acknowledged, never stored). */
async function refusedSoFar(daemon: DaemonProcess): Promise<number> {
  return (await daemonStatus(daemon.opsPort))?.refused ?? 0;
}

/** Resolves when the hub holds every acknowledged frame not refused, or nothing new came for STALL_MS. */
async function waitDelivered(traffic: UdpTraffic, hub: HubSubscriber, daemon: DaemonProcess): Promise<void> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const n = hub.payloadCount.size;
    if (n !== last) {
      last = n;
      lastChange = Date.now();
      if (missing(traffic, hub) <= (await refusedSoFar(daemon))) return;
    }
    if (daemon.lastExit !== null || Date.now() - lastChange > STALL_MS) return;
    await sleep(200);
  }
}

async function run(label: string, pin: boolean): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-bench-cap-'));
  const cg = MemoryCgroup.create(`lora-edge-bench-${process.pid}-${label}`, LIMIT_MIB * MIB);
  let broker: BrokerProcess | undefined;
  let hub: HubSubscriber | undefined;
  let daemon: DaemonProcess | undefined;
  let traffic: UdpTraffic | undefined;
  let memory: MemorySampler | undefined;
  try {
    broker = await startBrokerProcess('mosquitto', join(dir, 'broker'));
    hub = await HubSubscriber.connect(broker.url, batchFilter('eu868'), `bench-cap-hub-${label}`);
    daemon = await createDaemonProcess({
      dir,
      gatewayId: GATEWAY,
      brokerUrl: broker.url,
      logLevel: 'warn',
      compression: 'none',
      config: { mqtt: { reconnectMin: '100ms', reconnectMax: '500ms' }, storage: { maxBytes: '8GiB' } },
    });
    // start() spawns before its first await; the wait for /status happens outside the cgroup.
    const d0 = daemon;
    await cg.bornInside(() => d0.start());
    const pid = daemon.pid!;
    if (!cg.pids().includes(pid)) throw new Error(`the daemon (pid ${pid}) is not in ${cg.dir}`);
    // Every thread (libuv pool, LevelDB's compaction thread); threads created later inherit it.
    if (pin) pinTo(pid, 0);
    const d = daemon;
    memory = new MemorySampler(() => d.pid ?? -1, daemon.opsPort);
    cg.resetPeak();
    cg.sampleAnon();
    memory.take();

    traffic = new UdpTraffic(prng(13), daemon.udpPort);
    await traffic.open();
    console.log(`${label}: full UDP rate for ${LIVE_SECONDS} s under ${LIMIT_MIB} MiB${pin ? ', pinned to core 0' : ''}...`);
    const liveFramesPerS = await fullRate(traffic, LIVE_SECONDS, daemon);
    await waitDelivered(traffic, hub, daemon);
    const livePeakMiB = cg.figures().maxUsageMiB;
    const liveCgAnonMiB = cg.peakAnonBytes / MIB;
    const livePeaks = memory.take();

    console.log(`${label}: broker stopped, filling a backlog of ${BACKLOG} records...`);
    await broker.term();
    const before = traffic.acked().length;
    for (let sent = 0; sent < BACKLOG && daemon.lastExit === null; sent += 5000) await traffic.burst(Math.min(5000, BACKLOG - sent));
    await sleep(1000);
    const backlog = traffic.acked().length - before;
    cg.resetPeak();
    memory.take();
    console.log(`${label}: broker started, draining ${backlog} records...`);
    const received0 = hub.payloadCount.size;
    await broker.start();
    const t0 = performance.now();
    await waitDelivered(traffic, hub, daemon);
    const drainS = (performance.now() - t0) / 1000;
    const drainPeaks = memory.take();
    const cgEnd = cg.figures();
    const refused = await refusedSoFar(daemon);
    const lost = Math.max(0, missing(traffic, hub) - refused);
    const exit = daemon.lastExit;
    return {
      label,
      up: exit === null,
      exit: exit === null ? 'running' : `code ${String(exit.code)} signal ${String(exit.signal)}`,
      liveFramesPerS: Math.round(liveFramesPerS),
      livePeakMiB: round(livePeakMiB),
      liveCgAnonMiB: round(liveCgAnonMiB),
      liveRssMiB: round(livePeaks.hwm),
      backlog,
      drainPerS: Math.round((hub.payloadCount.size - received0) / drainS),
      drainPeakMiB: round(cgEnd.maxUsageMiB),
      drainCgAnonMiB: round(cg.peakAnonBytes / MIB),
      drainRssMiB: round(drainPeaks.rss),
      drainAnonMiB: round(drainPeaks.anon),
      heapUsedMiB: round(Math.max(livePeaks.heapUsed, drainPeaks.heapUsed)),
      acked: traffic.acked().length,
      refused,
      lost,
      failcnt: cgEnd.failcnt,
      oomKills: cgEnd.oomKills,
    };
  } finally {
    memory?.stop();
    await traffic?.close();
    await daemon?.stop();
    await hub?.close();
    await broker?.close();
    cg.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!mosquittoPath()) {
    console.log('mosquitto is not installed: nothing measured');
    return;
  }
  if (process.getuid?.() !== 0) {
    console.log('bench:memory-cap needs root (it creates a memory cgroup): nothing measured');
    return;
  }
  const results = [await run('capped', false), await run('capped-1core', true)];
  console.log(`\ndaemon under a ${LIMIT_MIB} MiB cgroup v1 memory limit (cg peak = memory.max_usage_in_bytes, page cache included; cg anon = memory.stat rss, sampled; rss = sampled VmRSS, whose file pages such as the node binary are charged to the parent)`);
  console.table(results);
  console.log(`load average (1 min) ${loadavg()[0].toFixed(2)}: figures are noisy on a shared machine`);
  for (const r of results) {
    console.log(
      summaryLine(`memory-cap ${r.label}`, {
        limit_mb: LIMIT_MIB, stayed_up: r.up, oom_kills: r.oomKills, failcnt: r.failcnt, 'frames/s': r.liveFramesPerS,
        live_cg_peak_mb: r.livePeakMiB, live_cg_anon_mb: r.liveCgAnonMiB, live_hwm_mb: r.liveRssMiB, backlog: r.backlog,
        'drain/s': r.drainPerS, drain_cg_peak_mb: r.drainPeakMiB, drain_cg_anon_mb: r.drainCgAnonMiB, drain_peak_rss_mb: r.drainRssMiB,
        drain_anon_mb: r.drainAnonMiB, heap_used_mb: r.heapUsedMiB, acked: r.acked, refused: r.refused, lost: r.lost,
      }),
    );
  }
}

try {
  await main();
} catch (err) {
  console.error(`bench:memory-cap failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
}
