// The real daemon (`lora-edge run`) as a child process, for faults a test cannot do in-process:
// SIGKILL and restart on the same storage. Its /status is read over the ops endpoint. It runs as
// shipped: the node flags of main.js's shebang and the systemd unit's malloc settings.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../../../src/paths.js';
import { daemonNodeFlags, withDaemonMallocEnv } from '../../../src/node-flags.js';
import { freeTcpPort } from '../brokers.js';
import { freeUdpPort } from '../daemon.js';

export interface DaemonProcessOptions {
  dir: string;
  gatewayId: string;
  brokerUrl: string;
  logLevel: 'warn' | 'info' | 'debug';
  compression: 'none' | 'gzip';
  /** Extra config merged over the defaults, per section. */
  config?: Record<string, Record<string, unknown>>;
}

export interface DaemonProcess {
  udpPort: number;
  opsPort: number;
  logFile: string;
  readonly running: boolean;
  /** The running child's pid (for /proc, cgroups, taskset). */
  readonly pid: number | undefined;
  /** How the last child ended on its own or by a signal (an OOM kill shows as SIGKILL); null while it runs. */
  readonly lastExit: { code: number | null; signal: NodeJS.Signals | null } | null;
  start(): Promise<void>;
  /** SIGKILL: nothing flushed, nothing said to the broker. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
  status(): Promise<DaemonStatus | undefined>;
}

/** The parts of /status the harness reads. */
export interface DaemonStatus {
  mqtt: { connected: boolean; reconnects: number };
  outbox: { depth: number; nextSeq: number; pending: number; dropped: Record<string, number> };
  forwarder: { inflight: number; recordsAcked: number; lastAckedSeq: number; gapsDetected?: number };
}

export async function createDaemonProcess(o: DaemonProcessOptions): Promise<DaemonProcess> {
  const udpPort = await freeUdpPort();
  const opsPort = await freeTcpPort();
  const logFile = join(o.dir, 'daemon.log');
  const configFile = join(o.dir, 'config.yaml');
  const extra = o.config ?? {};
  const config = {
    gateway: { id: o.gatewayId, ...extra.gateway },
    sources: [{ type: 'udp', bind: `127.0.0.1:${udpPort}` }],
    mqtt: { url: o.brokerUrl, ...extra.mqtt },
    storage: { dir: join(o.dir, 'state'), ...extra.storage },
    batch: { compression: o.compression, ...extra.batch },
    ops: { http: { enabled: true, bind: `127.0.0.1:${opsPort}` }, ...extra.ops },
    log: { level: o.logLevel },
  } as Record<string, unknown>;
  // Sections the defaults above do not name (fleet, devices, filters, ...) pass through as given.
  for (const [section, value] of Object.entries(extra)) if (!(section in config)) config[section] = value;
  // JSON is YAML.
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  let child: ChildProcess | undefined;
  let log: WriteStream | undefined;
  let lastExit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const main = packagePath('dist', 'src', 'main.js');
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()));

  const status = async (): Promise<DaemonStatus | undefined> => {
    try {
      const res = await fetch(`http://127.0.0.1:${opsPort}/status`, { signal: AbortSignal.timeout(2000) });
      return (await res.json()) as DaemonStatus;
    } catch {
      return undefined;
    }
  };

  return {
    udpPort,
    opsPort,
    logFile,
    get running() {
      return child !== undefined;
    },
    get pid() {
      return child?.pid;
    },
    get lastExit() {
      return lastExit;
    },
    async start() {
      if (child) return;
      log = createWriteStream(logFile, { flags: 'a' });
      const c = spawn(process.execPath, [...daemonNodeFlags(main), main, 'run', '--config', configFile], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: withDaemonMallocEnv(process.env),
      });
      c.stdout!.pipe(log, { end: false });
      c.stderr!.pipe(log, { end: false });
      child = c;
      lastExit = null;
      c.once('exit', (code, signal) => (lastExit = { code, signal }));
      const deadline = Date.now() + 15_000;
      while (!(await status())) {
        if (c.exitCode !== null) throw new Error(`the daemon exited with ${c.exitCode} at start; see ${logFile}`);
        if (Date.now() > deadline) throw new Error(`the daemon did not serve /status within 15 s; see ${logFile}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill() {
      const c = child;
      if (!c) return;
      c.kill('SIGKILL');
      await exited(c);
      child = undefined;
    },
    async stop() {
      const c = child;
      if (!c) return;
      c.kill('SIGTERM');
      await exited(c);
      child = undefined;
      await new Promise<void>((r) => (log ? log.end(() => r()) : r()));
    },
    status,
  };
}
