// Seeded fault schedules: the same seed gives the same faults at the same times, so a failing run
// can be replayed exactly (LORA_EDGE_FAULT_SEED=<seed>).
import { prng } from './prng.js';

export type FaultKind = 'broker-term' | 'broker-kill' | 'broker-pause' | 'daemon-kill' | 'proxy-cut';

export const FAULT_KINDS: readonly FaultKind[] = ['broker-term', 'broker-kill', 'broker-pause', 'daemon-kill', 'proxy-cut'];

export interface Fault {
  kind: FaultKind;
  /** Milliseconds after traffic starts. */
  atMs: number;
  /** How long the broker is down or frozen, the daemon dead, or the link cut. */
  forMs: number;
}

export interface FaultSchedule {
  seed: number;
  logLevel: 'warn' | 'info';
  compression: 'none' | 'gzip';
  trafficMs: number;
  faults: Fault[];
}

const DURATION: Record<FaultKind, [number, number]> = {
  'broker-term': [500, 4000],
  'broker-kill': [500, 4000],
  'broker-pause': [1000, 6000],
  'daemon-kill': [100, 1500],
  'proxy-cut': [500, 4000],
};

export interface ScheduleOptions {
  trafficMs: number;
  kinds?: readonly FaultKind[];
  logLevel?: 'warn' | 'info';
  compression?: 'none' | 'gzip';
}

export function makeSchedule(seed: number, o: ScheduleOptions): FaultSchedule {
  const rng = prng(seed);
  const kinds = o.kinds ?? FAULT_KINDS;
  const faults: Fault[] = [];
  let t = rng.int(500, 2000);
  while (t < o.trafficMs - 1000) {
    const kind = rng.pick(kinds);
    const [lo, hi] = DURATION[kind];
    const forMs = rng.int(lo, hi);
    faults.push({ kind, atMs: t, forMs });
    // Sometimes the next fault comes right after recovery (a flapping link), sometimes later.
    t += forMs + (rng.next() < 0.3 ? rng.int(0, 300) : rng.int(500, 3000));
  }
  return {
    seed,
    logLevel: o.logLevel ?? (rng.next() < 0.5 ? 'warn' : 'info'),
    compression: o.compression ?? (rng.next() < 0.5 ? 'none' : 'gzip'),
    trafficMs: o.trafficMs,
    faults,
  };
}

export function describeSchedule(s: FaultSchedule): string {
  const faults = s.faults.map((f) => `${f.kind}@${(f.atMs / 1000).toFixed(1)}s/${f.forMs}ms`).join(' ');
  return `seed=${s.seed} log=${s.logLevel} compression=${s.compression} traffic=${s.trafficMs}ms faults=[${faults}]`;
}

/** `kind@atMs/forMs,...`: a hand-written schedule (for reproducing a report exactly). */
export function parseFaults(text: string): Fault[] {
  return text.split(',').map((part) => {
    const m = /^([a-z-]+)@(\d+)\/(\d+)$/.exec(part.trim());
    if (!m || !FAULT_KINDS.includes(m[1] as FaultKind)) throw new Error(`bad fault "${part}": want kind@atMs/forMs, kind one of ${FAULT_KINDS.join(', ')}`);
    return { kind: m[1] as FaultKind, atMs: Number(m[2]), forMs: Number(m[3]) };
  });
}
