// A real MQTT broker as a child process that faults can be done to: SIGTERM (clean stop, state
// saved), SIGKILL (no save), SIGSTOP/SIGCONT (a frozen broker: TCP stays open, nothing answers),
// and a restart on the same port. Kinds: mosquitto with persistence, aedes (in a child node
// process, memory persistence only) and nats-server's MQTT listener (JetStream on).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort, mosquittoPath, waitForPort } from '../brokers.js';

export type BrokerKind = 'mosquitto' | 'aedes' | 'nats';

export interface BrokerProcess {
  kind: BrokerKind;
  port: number;
  url: string;
  readonly running: boolean;
  readonly paused: boolean;
  /** SIGTERM and wait for the exit (mosquitto saves its persistence file). */
  term(): Promise<void>;
  /** SIGKILL: nothing saved since the last autosave. */
  kill(): Promise<void>;
  start(): Promise<void>;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export function natsServerPath(): string | undefined {
  for (const p of ['/usr/sbin/nats-server', '/usr/bin/nats-server']) {
    if (spawnSync(p, ['--version'], { stdio: 'ignore' }).error === undefined) return p;
  }
  return undefined;
}

export function brokerAvailable(kind: BrokerKind): boolean {
  if (kind === 'mosquitto') return mosquittoPath() !== undefined;
  if (kind === 'nats') return natsServerPath() !== undefined;
  return true;
}

function command(kind: BrokerKind, dir: string, port: number, persistence: boolean, extraConfig: string[]): { bin: string; args: string[] } {
  if (kind === 'mosquitto') {
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        // Started as root, mosquitto drops to the mosquitto user and then cannot write its
        // persistence file in our temporary directory: persistence would silently be off.
        ...(process.getuid?.() === 0 ? ['user root'] : []),
        'allow_anonymous true',
        `persistence ${persistence}`,
        `persistence_location ${dir}/`,
        // Saved every second, so a SIGKILL loses at most the last second of broker state. Queue
        // limits are Debian's defaults (1,000 queued messages per client).
        'autosave_interval 1',
        // LORA_EDGE_BROKER_LOG=1 keeps mosquitto's own log of every packet beside the run's files.
        ...(process.env.LORA_EDGE_BROKER_LOG ? [`log_dest file ${dir}/mosquitto.log`, 'log_type all'] : ['log_dest none']),
        ...extraConfig,
        '',
      ].join('\n'),
    );
    return { bin: mosquittoPath()!, args: ['-c', conf] };
  }
  if (kind === 'nats') {
    const conf = join(dir, 'nats.conf');
    mkdirSync(join(dir, 'js'), { recursive: true });
    writeFileSync(
      conf,
      [
        'server_name: lora_edge_faults',
        'listen: 127.0.0.1:-1',
        `jetstream { store_dir: "${dir}/js" }`,
        `mqtt { listen: 127.0.0.1:${port}, max_ack_pending: 1000 }`,
        '',
      ].join('\n'),
    );
    return { bin: natsServerPath()!, args: ['-c', conf] };
  }
  const main = fileURLToPath(new URL('./aedes-main.js', import.meta.url));
  return { bin: process.execPath, args: [main, String(port)] };
}

/** `extraConfig`: more mosquitto.conf lines (the fleet simulation lifts the per-client queue limit). */
export async function startBrokerProcess(kind: BrokerKind, dir: string, opts: { persistence?: boolean; extraConfig?: string[] } = {}): Promise<BrokerProcess> {
  mkdirSync(dir, { recursive: true });
  const port = await freeTcpPort();
  const { bin, args } = command(kind, dir, port, opts.persistence ?? true, opts.extraConfig ?? []);
  let child: ChildProcess | undefined;
  let paused = false;
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()));
  const start = async () => {
    if (child) return;
    const c = spawn(bin, args, { stdio: 'ignore' });
    child = c;
    paused = false;
    await waitForPort(port, 15_000, () => c.exitCode === null);
    // nats-server opens the port before JetStream is ready for MQTT sessions.
    if (kind === 'nats') await new Promise((r) => setTimeout(r, 300));
  };
  const signal = async (sig: NodeJS.Signals) => {
    const c = child;
    if (!c) return;
    if (paused) c.kill('SIGCONT');
    paused = false;
    c.kill(sig);
    await exited(c);
    child = undefined;
  };
  await start();
  return {
    kind,
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    get paused() {
      return paused;
    },
    term: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    start,
    pause() {
      if (child && !paused) {
        child.kill('SIGSTOP');
        paused = true;
      }
    },
    resume() {
      if (child && paused) {
        child.kill('SIGCONT');
        paused = false;
      }
    },
    close: () => signal('SIGKILL'),
  };
}
