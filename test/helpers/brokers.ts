// Real MQTT brokers for tests: aedes in-process (always available) and mosquitto as a child
// process (the system tier; CI installs it). Both listen on an ephemeral loopback port.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedBroker } from '../../src/testing/embedded-broker.js';

export interface TestBroker {
  kind: 'aedes' | 'mosquitto';
  port: number;
  url: string;
  /** Kills the broker (clients see the connection drop). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  /** The broker's process while it runs (mosquitto); undefined in-process (aedes). */
  readonly pid?: number;
}

export async function freeTcpPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export async function startAedes(port = 0): Promise<TestBroker> {
  let broker = await startEmbeddedBroker(port);
  const actual = broker.port;
  let running = true;
  return {
    kind: 'aedes',
    port: actual,
    url: `mqtt://127.0.0.1:${actual}`,
    async stop() {
      if (!running) return;
      running = false;
      await broker.close();
    },
    async restart() {
      if (running) return;
      broker = await startEmbeddedBroker(actual);
      running = true;
    },
  };
}

export function mosquittoPath(): string | undefined {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']) {
    if (spawnSync(p, ['-h'], { stdio: 'ignore' }).error === undefined) return p;
  }
  return undefined;
}

/** Resolves once something accepts TCP connections on the port; `alive` lets a dead child fail fast. */
export async function waitForPort(port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!alive()) throw new Error(`the broker exited before listening on port ${port}`);
    if (Date.now() > deadline) throw new Error(`broker did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `extraConfig`: more mosquitto.conf lines, for example `max_packet_size 131072`. */
export async function startMosquitto(opts: { extraConfig?: string[] } = {}): Promise<TestBroker> {
  const bin = mosquittoPath();
  if (!bin) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-mosq-'));
  const port = await freeTcpPort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 1000000',
      'max_inflight_messages 0', 'log_dest none', ...(opts.extraConfig ?? []), ''].join('\n'),
  );
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(bin, ['-c', conf], { stdio: 'ignore' });
    await waitForPort(port, 5000);
  };
  await launch();
  return {
    kind: 'mosquitto',
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get pid() {
      return child?.exitCode === null ? child.pid : undefined;
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((r) => {
        c.once('exit', () => r());
        c.kill('SIGKILL');
      });
    },
    async restart() {
      if (child) return;
      await launch();
    },
  };
}

/** System-tier gate: skip when mosquitto/socat is missing, unless CI requires the tier. */
export function systemTier(tool: 'mosquitto' | 'socat'): { available: boolean; required: boolean } {
  const required = process.env.LORA_EDGE_SYSTEM_TESTS === 'require';
  const available = tool === 'mosquitto' ? mosquittoPath() !== undefined : spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
  return { available, required };
}

export function cleanupDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
