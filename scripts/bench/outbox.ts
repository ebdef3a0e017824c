// `npm run bench:outbox`: the durable outbox under load, measured on the real daemon process.
//  1. Backlog drain: with the broker down, fill the outbox over UDP (the packet-forwarder simulator
//     as a separate process), then start the broker and time how fast a hub subscriber receives the
//     backlog; the daemon's memory (from /proc) is sampled all along.
//  2. Live latency at 500 frames/s: hub receive time minus the record's capturedAt.
//  3. Disk bytes written per record (/proc/<pid>/io write_bytes) beside the record's JSON size.
// Figures are printed beside their targets, never asserted: the machine is shared and noisy.
// BENCH_DAEMON_FLAGS adds node flags to the daemon (--cpu-prof --cpu-prof-dir=DIR to profile it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { packagePath } from '../../src/paths.js';
import { daemonNodeFlags, withDaemonMallocEnv } from '../../src/node-flags.js';
import { PacketForwarderSim } from '../../src/testing/packet-forwarder.js';
import { freeTcpPort, mosquittoPath, waitForPort } from '../../test/helpers/brokers.js';
import { freeUdpPort } from '../../test/helpers/daemon.js';
import { threadCpu, threadCpuPerUnit } from './thread-cpu.js';
import { KIB_PER_MIB, MemorySampler, daemonStatus, memoryFields, statusKiB, type MemoryPeaksMiB } from './daemon-memory.js';
import { summaryLine } from './summary-line.js';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1_000_000);
const FILL_RATE = Number(process.env.BENCH_FILL_RATE ?? 20_000);
const LIVE_RATE = 500;
const LIVE_SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 20);
/** The optional `storage.sync: true` live run; BENCH_SYNC=0 skips it. */
const RUN_SYNC = process.env.BENCH_SYNC !== '0';
const SIM_DEVICES = 200;
/** The hub gives up waiting once no new record arrived for this long. */
const STALL_MS = 20_000;
const SAMPLE_MS = 50;

const TARGET_DRAIN_PER_S = 20_000;
const TARGET_RSS_MIB = 120;
const TARGET_P99_MS = 250;
const TARGET_WRITE_RATIO = 3;

const MAIN_JS = packagePath('dist', 'src', 'main.js');

// ---- cleanup: every child, broker and directory is released, also on error or Ctrl-C ----

const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void> | void> = [];

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function cleanupAll(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch (err) {
      console.error(`cleanup step failed: ${(err as Error).message}`);
    }
  }
  for (const child of children) child.kill('SIGKILL');
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: stopping children and removing temporary files`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => resolve(false), timeoutMs) : undefined;
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- mosquitto with persistence ----

/**
 * The hub's subscription has to exist before the daemon can reach the broker, or the first batches
 * of the drain would be acknowledged by the broker to nobody. A persistent hub session, saved by
 * the broker on SIGTERM and restored at its restart, gives that; the test helper's broker runs
 * without persistence, hence this small launcher.
 */
class PersistentMosquitto {
  readonly url: string;
  private child: ChildProcess | undefined;

  private constructor(
    private readonly bin: string,
    private readonly conf: string,
    readonly port: number,
  ) {
    this.url = `mqtt://127.0.0.1:${port}`;
  }

  static async create(bin: string, dir: string): Promise<PersistentMosquitto> {
    const port = await freeTcpPort();
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`,
        'autosave_interval 3600', 'max_queued_messages 1000000', 'max_queued_bytes 0', 'max_inflight_messages 0',
        'log_dest none', ''].join('\n'),
    );
    return new PersistentMosquitto(bin, conf, port);
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = track(spawn(this.bin, ['-c', this.conf], { stdio: 'ignore' }));
    this.child = child;
    await waitForPort(this.port, 5000, () => child.exitCode === null);
  }

  /** SIGTERM: mosquitto writes its persistence file (the hub session) before exiting. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    child.kill('SIGTERM');
    if (!(await waitExit(child, 5000))) {
      child.kill('SIGKILL');
      await waitExit(child, 2000);
    }
  }
}


// ---- the daemon as a child process, with /proc sampling ----

interface DaemonSettings {
  gateway: string;
  udp: string;
  brokerUrl: string;
  storageDir: string;
  sync: boolean;
  /** The ops endpoint, for the daemon's own memory figures (/status `process`). */
  opsPort: number;
}

interface IoCounters {
  /** Bytes of pages dirtied for the block device. */
  writeBytes: number;
  /** Of those, bytes never written because their file was truncated or deleted first (LevelDB's old logs). */
  cancelledBytes: number;
}

interface MemoryPeaks {
  rssMiB: number;
  anonMiB: number;
  /** File-backed resident pages: the node binary and LevelDB's memory-mapped table files. */
  fileMiB: number;
  /** VmHWM: the peak RSS since the daemon started (the kernel's own high-water mark). */
  hwmMiB: number;
  /** The breakdown: V8 heap and external buffers (from /status) beside anon and file pages. */
  detail: MemoryPeaksMiB;
}

class DaemonProcess {
  private readonly child: ChildProcess;
  private readonly sampler: NodeJS.Timeout;
  private readonly memory: MemorySampler;
  private peakRssKiB = 0;
  private peakAnonKiB = 0;
  private peakFileKiB = 0;
  private lastHwmKiB = 0;
  /** Warning and error log lines by message (the daemon runs at level warn). */
  readonly logMessages = new Map<string, number>();

  constructor(configPath: string, readonly opsPort: number) {
    this.child = track(
      spawn(process.execPath, [...daemonNodeFlags(MAIN_JS), ...(process.env.BENCH_DAEMON_FLAGS ?? '').split(/\s+/).filter(Boolean), MAIN_JS, 'run', '--config', configPath], {
        stdio: ['ignore', 'pipe', 'pipe'],
        // As the systemd unit runs it; a MALLOC_* variable set in the bench's environment wins.
        env: withDaemonMallocEnv(process.env),
      }),
    );
    let partial = '';
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.countLogLine(line);
    });
    let stderr = '';
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > 4000) stderr = stderr.slice(-4000);
    });
    this.child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL') {
        console.error(`daemon exited with code ${String(code)} signal ${String(signal)}\n${stderr}`);
      }
    });
    this.sampler = setInterval(() => this.sample(), SAMPLE_MS);
    this.memory = new MemorySampler(() => this.pid, opsPort);
  }

  static start(dir: string, s: DaemonSettings): DaemonProcess {
    const config = join(dir, `daemon-${s.gateway}.yaml`);
    // Quick reconnects so the drain starts soon after the broker is back; a store bound far above
    // the backlog so no record is dropped for overflow; level warn so uplinks are not logged one by one.
    writeFileSync(
      config,
      [`gateway: {id: "${s.gateway}"}`, `sources: [{type: udp, bind: "${s.udp}"}]`,
        `mqtt: {url: "${s.brokerUrl}", reconnectMin: 100ms, reconnectMax: 500ms}`,
        `storage: {dir: "${s.storageDir}", sync: ${String(s.sync)}, maxBytes: 8GiB}`,
        `ops: {http: {enabled: true, bind: "127.0.0.1:${s.opsPort}"}}`, 'log: {level: warn}', ''].join('\n'),
    );
    return new DaemonProcess(config, s.opsPort);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private countLogLine(line: string): void {
    if (!line.trim()) return;
    let msg = line.slice(0, 120);
    try {
      const parsed = JSON.parse(line) as { msg?: unknown };
      if (typeof parsed.msg === 'string') msg = parsed.msg;
    } catch {
      // Not JSON: keep the raw start of the line.
    }
    this.logMessages.set(msg, (this.logMessages.get(msg) ?? 0) + 1);
  }

  private sample(): void {
    if (!this.alive) return;
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      this.peakRssKiB = Math.max(this.peakRssKiB, statusKiB(status, 'VmRSS'));
      this.peakAnonKiB = Math.max(this.peakAnonKiB, statusKiB(status, 'RssAnon'));
      this.peakFileKiB = Math.max(this.peakFileKiB, statusKiB(status, 'RssFile'));
      this.lastHwmKiB = Math.max(this.lastHwmKiB, statusKiB(status, 'VmHWM'));
    } catch {
      // The process is exiting.
    }
  }

  /** RSS and RssAnon now (MiB), for the drain trace. */
  current(): { rssMiB: number; anonMiB: number } {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      return { rssMiB: statusKiB(status, 'VmRSS') / KIB_PER_MIB, anonMiB: statusKiB(status, 'RssAnon') / KIB_PER_MIB };
    } catch {
      return { rssMiB: NaN, anonMiB: NaN };
    }
  }

  /** Peaks since the last call (VmHWM is cumulative by nature), then starts a new phase. */
  takePeaks(): MemoryPeaks {
    this.sample();
    const peaks = {
      rssMiB: this.peakRssKiB / KIB_PER_MIB,
      anonMiB: this.peakAnonKiB / KIB_PER_MIB,
      fileMiB: this.peakFileKiB / KIB_PER_MIB,
      hwmMiB: this.lastHwmKiB / KIB_PER_MIB,
      detail: { ...this.memory.take(), hwm: this.lastHwmKiB / KIB_PER_MIB },
    };
    this.peakRssKiB = 0;
    this.peakAnonKiB = 0;
    this.peakFileKiB = 0;
    return peaks;
  }

  io(): IoCounters {
    const text = readFileSync(`/proc/${this.pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { writeBytes: field('write_bytes'), cancelledBytes: field('cancelled_write_bytes') };
  }

  /** Waits until the UDP source answers a PULL_DATA (the broker may be down, so not via MQTT). */
  async waitListening(udp: string, gateway: string): Promise<void> {
    const probe = new PacketForwarderSim({ target: udp, gatewayEui: gateway, ackTimeoutMs: 200 });
    try {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        if (!this.alive) throw new Error('the daemon exited during start-up');
        if ((await probe.pullData()).acked) return;
      }
      throw new Error(`the daemon did not answer on ${udp} within 20 s`);
    } finally {
      await probe.close();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.sampler);
    this.memory.stop();
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    if (!(await waitExit(this.child, 10_000))) {
      this.child.kill('SIGKILL');
      await waitExit(this.child, 2000);
    }
  }
}

// ---- the packet-forwarder simulator ----

interface SimSummary {
  framesSent: number;
  pushAcks: number;
  pushTimeouts: number;
  elapsedMs: number;
}

async function runSimulator(udp: string, gateway: string, rate: number, count: number): Promise<SimSummary> {
  const sim = track(
    spawn(process.execPath, [MAIN_JS, 'simulate', 'udp', '--target', udp, '--rate', String(rate), '--count', String(count),
      '--devices', String(SIM_DEVICES), '--gateway', gateway], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  let out = '';
  sim.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  await waitExit(sim, Number.POSITIVE_INFINITY);
  try {
    return JSON.parse(out) as SimSummary;
  } catch {
    throw new Error(`the simulator printed no summary (exit ${String(sim.exitCode)}): ${out.slice(0, 200)}`);
  }
}

// ---- the hub side ----

interface BatchRecordLike {
  seq: number;
  capturedAt: string;
  holdMs?: number;
  replay?: boolean;
}

interface HubOptions {
  url: string;
  clientId: string;
  /** false: a persistent session, restored when the broker comes back. */
  clean: boolean;
  gateway: string;
  /** Per-record latency (receive time minus capturedAt). */
  measureLatency: boolean;
  /** Measure the stored JSON size of every n-th record (stringifying all would load the machine). */
  sizeSampleEvery: number;
}

class HubSubscriber {
  unique = 0;
  duplicates = 0;
  maxSeq = 0;
  firstAt = 0;
  lastAt = 0;
  readonly latenciesMs: number[] = [];
  private readonly seen = new Set<number>();
  private sizeSum = 0;
  private sizeCount = 0;
  private payloadBytes = 0;
  private payloadRecords = 0;
  private connStateSeen = false;
  private ended = false;
  private readonly batchTopic: string;
  private readonly connTopic: string;

  private constructor(
    private readonly client: MqttClient,
    private readonly opts: HubOptions,
  ) {
    this.batchTopic = `eu868/gateway/${opts.gateway}/hub/batch`;
    this.connTopic = `eu868/gateway/${opts.gateway}/state/conn`;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  static async connect(opts: HubOptions): Promise<HubSubscriber> {
    const client = mqtt.connect(opts.url, { clientId: opts.clientId, clean: opts.clean, protocolVersion: 4, reconnectPeriod: 0 });
    const hub = new HubSubscriber(client, opts);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync([hub.batchTopic, hub.connTopic], { qos: 1 });
    return hub;
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === this.connTopic) {
      this.connStateSeen = true;
      return;
    }
    if (topic !== this.batchTopic) return;
    const now = Date.now();
    const batch = JSON.parse(payload.toString('utf8')) as { records: BatchRecordLike[] };
    this.payloadBytes += payload.length;
    this.payloadRecords += batch.records.length;
    for (const record of batch.records) {
      if (this.seen.has(record.seq)) {
        this.duplicates += 1;
        continue;
      }
      this.seen.add(record.seq);
      this.unique += 1;
      if (record.seq > this.maxSeq) this.maxSeq = record.seq;
      if (this.opts.measureLatency) this.latenciesMs.push(now - Date.parse(record.capturedAt));
      if (this.unique % this.opts.sizeSampleEvery === 0) {
        // The record as the outbox stores it: without the send-time fields.
        const { holdMs: _hold, replay: _replay, ...stored } = record;
        this.sizeSum += Buffer.byteLength(JSON.stringify(stored));
        this.sizeCount += 1;
      }
    }
    const t = performance.now();
    if (this.firstAt === 0) this.firstAt = t;
    this.lastAt = t;
  }

  get averageRecordJsonBytes(): number {
    return this.sizeCount ? this.sizeSum / this.sizeCount : NaN;
  }

  get batchBytesPerRecord(): number {
    return this.payloadRecords ? this.payloadBytes / this.payloadRecords : NaN;
  }

  /**
   * Resolves true once the record with seq `count` arrived: every phase starts on a fresh outbox,
   * so the frames got seqs 1..count, and batches arrive in seq order, so whatever the daemon stored
   * has arrived by then (holes below are records it dropped before storing). False when nothing new
   * came for STALL_MS.
   */
  async waitForRecords(count: number, daemon: DaemonProcess): Promise<boolean> {
    let lastUnique = this.unique;
    let lastProgress = Date.now();
    while (this.unique < count && this.maxSeq < count) {
      if (!daemon.alive) return false;
      if (this.unique !== lastUnique) {
        lastUnique = this.unique;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > STALL_MS) {
        return false;
      }
      await sleep(100);
    }
    return true;
  }

  /** The daemon publishes its retained state/conn once connected (each phase uses a fresh gateway id). */
  async waitForDaemonOnline(daemon: DaemonProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.connStateSeen) {
      if (!daemon.alive) throw new Error('the daemon exited before connecting to the broker');
      if (Date.now() > deadline) throw new Error(`the daemon did not connect to the broker within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.client.endAsync(true);
  }
}

// ---- figures ----

interface Row {
  measure: string;
  value: string;
  target: string;
  verdict: string;
}

function row(measure: string, value: string, target = '', met?: boolean): Row {
  return { measure, value, target, verdict: met === undefined ? '' : met ? 'ok' : 'MISSED' };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');

function printSection(title: string, rows: Row[], notes: string[] = []): void {
  console.log(`\n${title}`);
  const widths = [0, 0, 0];
  for (const r of rows) {
    widths[0] = Math.max(widths[0], r.measure.length);
    widths[1] = Math.max(widths[1], r.value.length);
    widths[2] = Math.max(widths[2], r.target.length);
  }
  for (const r of rows) {
    console.log(`  ${r.measure.padEnd(widths[0])}  ${r.value.padStart(widths[1])}  ${r.target.padEnd(widths[2])}  ${r.verdict}`.trimEnd());
  }
  for (const n of notes) console.log(`  note: ${n}`);
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function memoryFigures(p: MemoryPeaks): string {
  return `${fmt(p.rssMiB, 1)} / ${fmt(p.anonMiB, 1)} / ${fmt(p.fileMiB, 1)}`;
}

function heapFigures(p: MemoryPeaks): string {
  const d = p.detail;
  return `${fmt(d.heapUsed, 1)} / ${fmt(d.heapTotal, 1)}, ${fmt(d.external, 1)} / ${fmt(d.arrayBuffers, 1)}`;
}

/** The file-backed part split (node binary, LevelDB's mapped tables) and LevelDB's own caches. */
function mappedFigures(p: MemoryPeaks): string {
  const d = p.detail;
  return `${fmt(d.fileNode, 1)} / ${fmt(d.fileTables, 1)}, ${fmt(d.leveldb, 1)}`;
}

function ioDelta(from: IoCounters, to: IoCounters): IoCounters {
  return { writeBytes: to.writeBytes - from.writeBytes, cancelledBytes: to.cancelledBytes - from.cancelledBytes };
}

function logSummary(daemon: DaemonProcess): string[] {
  return [...daemon.logMessages].map(([msg, n]) => `daemon logged ${n} x "${msg}"`);
}

// ---- phase 1: backlog fill and drain ----

interface BacklogResult {
  rows: Row[];
  notes: string[];
  /** Records stored by the fill (frames sent minus those refused at the door). */
  records: number;
  refused: number;
  recordJsonBytes: number;
  fillIo: IoCounters;
  drainIo: IoCounters;
  received: number;
  drainRate: number;
  fillPeaks: MemoryPeaks;
  drainPeaks: MemoryPeaks;
}

async function benchBacklog(root: string, broker: PersistentMosquitto): Promise<BacklogResult> {
  const gateway = '0016c001ff100001';
  const hubOpts: HubOptions = { url: broker.url, clientId: 'bench-hub-backlog', clean: false, gateway, measureLatency: false, sizeSampleEvery: 64 };
  // Register the hub's persistent subscription, then take the broker down for the fill.
  await broker.start();
  await (await HubSubscriber.connect(hubOpts)).end();
  await broker.stop();

  const udp = `127.0.0.1:${await freeUdpPort()}`;
  const storageDir = join(root, 'outbox-backlog');
  const daemon = DaemonProcess.start(root, { gateway, udp, brokerUrl: broker.url, storageDir, sync: false, opsPort: await freeTcpPort() });
  cleanups.push(() => daemon.stop());
  await daemon.waitListening(udp, gateway);
  daemon.takePeaks();

  console.log(`filling the outbox with ${fmt(BACKLOG)} records over UDP at up to ${fmt(FILL_RATE)} frames/s (broker down)...`);
  const io0 = daemon.io();
  const sim = await runSimulator(udp, gateway, FILL_RATE, BACKLOG);
  // Let the last append group reach LevelDB.
  await sleep(1000);
  const io1 = daemon.io();
  const fillPeaks = daemon.takePeaks();
  // Frames refused at the door under overload were acknowledged but never stored.
  const filled = await daemonStatus(daemon.opsPort);
  const refused = filled?.refused ?? 0;
  const stored = filled?.depth ?? sim.framesSent;

  console.log(`starting the broker; draining ${fmt(stored)} records (${fmt(refused)} frames were refused at the door)...`);
  const threadsBefore = threadCpu(daemon.pid);
  await broker.start();
  const brokerUpAt = performance.now();
  const hub = await HubSubscriber.connect(hubOpts);
  cleanups.push(() => hub.end());
  // Memory at every tenth of the drain: it must stay flat whatever the remaining depth.
  const trace: string[] = [];
  let nextTenth = 1;
  const tracer = setInterval(() => {
    if (hub.unique < (stored * nextTenth) / 10) return;
    nextTenth += 1;
    const now = daemon.current();
    void daemonStatus(daemon.opsPort).then((st) => {
      trace.push(`${fmt(hub.unique)} delivered: RSS ${fmt(now.rssMiB, 1)} MiB, anon ${fmt(now.anonMiB, 1)}, heap used ${fmt(st?.heapUsedMiB ?? NaN, 1)}, external ${fmt(st?.externalMiB ?? NaN, 1)}, depth ${fmt(st?.depth ?? NaN)}`);
    });
  }, 100);
  const complete = await hub.waitForRecords(stored, daemon);
  const drainThreads = threadCpuPerUnit(daemon.pid, threadsBefore, threadCpu(daemon.pid), hub.unique);
  clearInterval(tracer);
  const drainPeaks = daemon.takePeaks();
  // The deletes of the last acknowledged batches.
  await sleep(500);
  const io2 = daemon.io();
  await daemon.stop();

  const drainS = (hub.lastAt - hub.firstAt) / 1000;
  const drainRate = hub.unique / drainS;
  const fromBrokerRate = hub.unique / ((hub.lastAt - brokerUpAt) / 1000);
  const peakHwm = Math.max(fillPeaks.hwmMiB, drainPeaks.hwmMiB);
  const rows = [
    row('frames sent by the simulator', fmt(sim.framesSent)),
    row('fill rate (frames/s, simulator paced by PUSH_ACKs)', fmt(sim.framesSent / (sim.elapsedMs / 1000))),
    row('fill: daemon peak RSS / RssAnon / RssFile (MiB, sampled)', memoryFigures(fillPeaks), `RSS < ${TARGET_RSS_MIB} MiB`, fillPeaks.rssMiB < TARGET_RSS_MIB),
    row('frames refused at the door (overload, acknowledged, not stored)', fmt(refused)),
    row('records received by the hub (unique seqs)', fmt(hub.unique), `${fmt(stored)} stored`, hub.unique === stored),
    row('records the daemon dropped before storing (seq holes)', fmt(hub.maxSeq - hub.unique), '0', hub.maxSeq === hub.unique),
    row('duplicates received', fmt(hub.duplicates)),
    row('drain rate, first to last record (records/s)', fmt(drainRate), `>= ${fmt(TARGET_DRAIN_PER_S)}`, drainRate >= TARGET_DRAIN_PER_S),
    row('drain rate from broker start, incl. reconnect (records/s)', fmt(fromBrokerRate)),
    row('drain time (s)', fmt(drainS, 1)),
    row('drain: daemon peak RSS / RssAnon / RssFile (MiB, sampled)', memoryFigures(drainPeaks), `RSS < ${TARGET_RSS_MIB} MiB`, drainPeaks.rssMiB < TARGET_RSS_MIB),
    row('fill: daemon V8 heap used / total, external / arrayBuffers (MiB)', heapFigures(fillPeaks)),
    row('drain: daemon V8 heap used / total, external / arrayBuffers (MiB)', heapFigures(drainPeaks)),
    row('fill: file-backed node binary / LevelDB tables, LevelDB caches (MiB)', mappedFigures(fillPeaks)),
    row('drain: file-backed node binary / LevelDB tables, LevelDB caches (MiB)', mappedFigures(drainPeaks)),
    row('daemon VmHWM over fill and drain (MiB)', fmt(peakHwm, 1), `< ${TARGET_RSS_MIB} MiB`, peakHwm < TARGET_RSS_MIB),
  ];
  const notes = [
    'the outbox was filled through the real UDP path (simulator process -> daemon), not written directly',
    `daemon config: storage.maxBytes 8GiB (no overflow drops), reconnectMax 500ms, log level warn; hub = persistent MQTT session`,
  ];
  if (!complete) notes.push(`gave up: no new record for ${STALL_MS / 1000} s or the daemon exited; last seq received ${fmt(hub.maxSeq)}`);
  if (sim.pushTimeouts > 0) notes.push(`${sim.pushTimeouts} PUSH_DATA without PUSH_ACK during the fill (the daemon was saturated)`);
  notes.push(`drain: daemon CPU us per record by thread: ${Object.entries(drainThreads).map(([n, us]) => `${n}=${us}`).join(' ')}`);
  notes.push('drain memory at every tenth:', ...trace.map((t) => `  ${t}`));
  notes.push(...logSummary(daemon));
  return {
    rows,
    notes,
    records: stored,
    refused,
    recordJsonBytes: hub.averageRecordJsonBytes,
    fillIo: ioDelta(io0, io1),
    drainIo: ioDelta(io1, io2),
    received: hub.unique,
    drainRate,
    fillPeaks,
    drainPeaks,
  };
}

// ---- phases 2 and 3: live traffic ----

interface LiveResult {
  sync: boolean;
  frames: number;
  received: number;
  p50: number;
  p99: number;
  max: number;
  recordJsonBytes: number;
  batchBytesPerRecord: number;
  io: IoCounters;
  peaks: MemoryPeaks;
  notes: string[];
}

async function benchLive(root: string, brokerUrl: string, sync: boolean): Promise<LiveResult> {
  const gateway = sync ? '0016c001ff100003' : '0016c001ff100002';
  const label = sync ? 'live-sync' : 'live';
  const hub = await HubSubscriber.connect({ url: brokerUrl, clientId: `bench-hub-${label}`, clean: true, gateway, measureLatency: true, sizeSampleEvery: 1 });
  cleanups.push(() => hub.end());
  const udp = `127.0.0.1:${await freeUdpPort()}`;
  const daemon = DaemonProcess.start(root, { gateway, udp, brokerUrl, storageDir: join(root, `outbox-${label}`), sync, opsPort: await freeTcpPort() });
  cleanups.push(() => daemon.stop());
  await daemon.waitListening(udp, gateway);
  await hub.waitForDaemonOnline(daemon, 20_000);
  daemon.takePeaks();

  const frames = LIVE_RATE * LIVE_SECONDS;
  console.log(`live run${sync ? ' with storage.sync: true' : ''}: ${fmt(frames)} frames at ${LIVE_RATE} frames/s...`);
  const io0 = daemon.io();
  const sim = await runSimulator(udp, gateway, LIVE_RATE, frames);
  const complete = await hub.waitForRecords(sim.framesSent, daemon);
  // The deletes that follow the last PUBACKs belong to these records' cost.
  await sleep(500);
  const io1 = daemon.io();
  const peaks = daemon.takePeaks();
  await daemon.stop();
  await hub.end();

  const sorted = Float64Array.from(hub.latenciesMs).sort();
  const notes = logSummary(daemon);
  if (!complete) notes.push(`${label}: ${fmt(sim.framesSent - hub.unique)} of ${fmt(sim.framesSent)} records did not arrive`);
  return {
    sync,
    frames: sim.framesSent,
    received: hub.unique,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    recordJsonBytes: hub.averageRecordJsonBytes,
    batchBytesPerRecord: hub.batchBytesPerRecord,
    io: ioDelta(io0, io1),
    peaks,
    notes,
  };
}

function writeRow(label: string, io: IoCounters, records: number, recordBytes: number, judged: boolean): Row {
  const perRecord = io.writeBytes / records;
  const ratio = perRecord / recordBytes;
  return row(
    label,
    `${fmt(perRecord)} B = ${fmt(ratio, 2)}x (net of cancelled ${fmt((io.writeBytes - io.cancelledBytes) / records)} B)`,
    judged ? `< ${TARGET_WRITE_RATIO}x record` : '',
    judged ? ratio < TARGET_WRITE_RATIO : undefined,
  );
}

// ---- main ----

async function main(): Promise<void> {
  const bin = mosquittoPath();
  if (!bin) {
    console.log('mosquitto is not installed (apt-get install mosquitto): the outbox benchmark needs it; nothing measured');
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'lora-edge-bench-outbox-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const brokerDir = join(root, 'broker');
  mkdirSync(brokerDir);
  const broker = await PersistentMosquitto.create(bin, brokerDir);
  cleanups.push(() => broker.stop());
  const loadBefore = loadavg()[0];
  const started = performance.now();

  const backlog = await benchBacklog(root, broker);
  printSection(`1. Backlog drain (${fmt(backlog.records)} records, broker down during the fill)`, backlog.rows, backlog.notes);

  const live = await benchLive(root, broker.url, false);
  const liveSync = RUN_SYNC ? await benchLive(root, broker.url, true) : undefined;
  const liveRows = [live, ...(liveSync ? [liveSync] : [])].flatMap((r) => {
    const tag = r.sync ? 'storage.sync: true' : 'storage.sync: false';
    return [
      row(`${tag}: records received / frames sent`, `${fmt(r.received)} / ${fmt(r.frames)}`, '', r.received === r.frames),
      row(`${tag}: latency p50 / max (ms)`, `${fmt(r.p50)} / ${fmt(r.max)}`),
      row(`${tag}: latency p99 (ms)`, fmt(r.p99), `< ${TARGET_P99_MS} ms`, r.sync ? undefined : r.p99 < TARGET_P99_MS),
      row(`${tag}: daemon peak RSS / RssAnon / RssFile (MiB)`, memoryFigures(r.peaks)),
      row(`${tag}: daemon V8 heap used / total, external / arrayBuffers (MiB)`, heapFigures(r.peaks)),
      row(`${tag}: file-backed node binary / LevelDB tables, LevelDB caches (MiB)`, mappedFigures(r.peaks)),
    ];
  });
  printSection(`2. Live latency at ${LIVE_RATE} frames/s for ${LIVE_SECONDS} s (hub receive time - capturedAt)`, liveRows, [
    ...live.notes,
    ...(liveSync?.notes ?? []),
    ...(liveSync ? ['the storage.sync: true run is informational; the target applies to the default'] : []),
  ]);

  const recordBytes = live.recordJsonBytes;
  const ioRows = [
    row('average record JSON size (as stored, from received batches)', `${fmt(recordBytes)} B`),
    row('batch payload bytes per record (with holdMs, replay, envelope)', `${fmt(live.batchBytesPerRecord)} B`),
    writeRow('live, storage.sync: false (append + delete after PUBACK)', live.io, live.frames, recordBytes, true),
    ...(liveSync ? [writeRow('live, storage.sync: true', liveSync.io, liveSync.frames, recordBytes, false)] : []),
    writeRow('backlog fill (appends and compactions)', backlog.fillIo, backlog.records, backlog.recordJsonBytes, false),
    writeRow('backlog drain (deletes and compactions)', backlog.drainIo, backlog.records, backlog.recordJsonBytes, false),
    writeRow(
      'backlog, whole life of a record (fill + drain)',
      { writeBytes: backlog.fillIo.writeBytes + backlog.drainIo.writeBytes, cancelledBytes: backlog.fillIo.cancelledBytes + backlog.drainIo.cancelledBytes },
      backlog.records,
      backlog.recordJsonBytes,
      true,
    ),
  ];
  printSection('3. Disk bytes written per record (daemon /proc/<pid>/io write_bytes)', ioRows, [
    'write_bytes counts pages dirtied for the block device (a page rewritten before writeback counts once);',
    '  "net of cancelled" subtracts cancelled_write_bytes, pages of files deleted before they were written back',
  ]);

  console.log(
    '\n' +
      summaryLine('outbox', {
        backlog: backlog.records, refused: backlog.refused, received: backlog.received, not_received: backlog.records - backlog.received,
        'drain/s': Math.round(backlog.drainRate), fill_peak_rss_mb: Number(backlog.fillPeaks.rssMiB.toFixed(1)),
        ...memoryFields(backlog.drainPeaks.detail, 'drain_'),
        live_p99_ms: live.p99, live_received: live.received, ...memoryFields(live.peaks.detail, 'live_'),
      }),
  );
  const loadAfter = loadavg()[0];
  console.log(`\ntotal ${fmt((performance.now() - started) / 1000, 0)} s; load average (1 min) ${fmt(loadBefore, 2)} before, ${fmt(loadAfter, 2)} after on ${availableParallelism()} cores` +
    ' - figures are noisy when colleagues run tests at the same time');
}

try {
  await main();
} catch (err) {
  console.error(`bench:outbox failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
