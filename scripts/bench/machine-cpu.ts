// The whole machine's CPU during a bench, by process: the daemon shares the cores with the broker,
// the packet-forwarder simulator and the bench's own hub subscriber, so end-to-end frames/s is
// bounded by all of them together once the machine is busy. Read from /proc (Linux).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const CLK_TCK = 100;

export interface CpuReading {
  /** CPU ms the whole machine spent busy (not idle, not waiting for I/O), all cores. */
  machineBusyMs: number;
  /** CPU ms available on all cores (busy, idle and waiting). */
  machineTotalMs: number;
  /** CPU ms of this process's children that have exited and been reaped (the simulator). */
  reapedChildrenMs: number;
  /** CPU ms of this process (the bench and its hub subscriber). */
  selfMs: number;
}

function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU ms (user + system) from a /proc stat file (a process's, or one thread's); 0 when it is gone. */
export function statCpuMs(path: string): number {
  try {
    const f = statFields(path);
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** CPU ms (user + system) of a running process; 0 when it is gone. */
export function processCpuMs(pid: number | undefined): number {
  return pid === undefined ? 0 : statCpuMs(`/proc/${pid}/stat`);
}

/** Every thread of `pid` (and those it starts later) on `core`. */
export function pinTo(pid: number, core: number): void {
  if (spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`taskset could not pin pid ${pid} to core ${core}`);
  }
}

export function readCpu(): CpuReading {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = ticks[3]! + ticks[4]!;
  const self = statFields('/proc/self/stat');
  const usage = process.cpuUsage();
  return {
    machineBusyMs: ((total - idle) * 1000) / CLK_TCK,
    machineTotalMs: (total * 1000) / CLK_TCK,
    reapedChildrenMs: ((Number(self[13]) + Number(self[14])) * 1000) / CLK_TCK,
    selfMs: (usage.user + usage.system) / 1000,
  };
}

export interface MachineShare {
  /** Share of all cores that were busy, in percent. */
  busyPct: number;
  cores: number;
  /** µs of CPU per frame spent by each party, and by everything else on the machine. */
  perFrameUs: Record<string, number>;
}

/**
 * Splits the machine's busy CPU between two readings into the parties named in `processMs` (CPU
 * ms each spent in the window), the reaped simulator, the bench itself and the rest.
 * `simulatorBeforeMs`: what the simulator, already running at `before`, had spent by then (its
 * prebuild), which its reaped total includes.
 */
export function machineShare(
  before: CpuReading,
  after: CpuReading,
  processMs: Record<string, number>,
  frames: number,
  simulatorBeforeMs = 0,
): MachineShare {
  const busy = after.machineBusyMs - before.machineBusyMs;
  const total = Math.max(1, after.machineTotalMs - before.machineTotalMs);
  const parties: Record<string, number> = {
    ...processMs,
    simulator: Math.max(0, after.reapedChildrenMs - before.reapedChildrenMs - simulatorBeforeMs),
    'bench hub': after.selfMs - before.selfMs,
  };
  const named = Object.values(parties).reduce((a, b) => a + b, 0);
  parties.other = Math.max(0, busy - named);
  const perFrameUs: Record<string, number> = {};
  for (const [name, ms] of Object.entries(parties)) perFrameUs[name] = Number(((ms * 1000) / Math.max(1, frames)).toFixed(1));
  return { busyPct: Math.round((busy / total) * 100), cores: cpus().length, perFrameUs };
}
