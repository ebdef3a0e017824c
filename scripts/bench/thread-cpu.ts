// CPU time of a process's threads, grouped by thread name (main thread "node", libuv's pool
// "libuv-worker", V8's GC and compiler helpers "V8 DefaultWorke", LevelDB's compaction thread),
// so a bench can say where the CPU per frame goes beside the JavaScript thread.
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100;

/** CPU ms per thread id, with the thread's name. Threads that exit between two reads drop out. */
export function threadCpu(pid: number): Map<number, { name: string; cpuMs: number }> {
  const out = new Map<number, { name: string; cpuMs: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { name, cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK });
    } catch {
      // Exited meanwhile.
    }
  }
  return out;
}

/** µs of CPU per unit (frame, record) spent by each thread name between two readings, largest first. */
export function threadCpuPerUnit(
  pid: number,
  before: Map<number, { name: string; cpuMs: number }>,
  after: Map<number, { name: string; cpuMs: number }>,
  units: number,
): Record<string, number> {
  const byName = new Map<string, number>();
  for (const [tid, t] of after) {
    const spent = t.cpuMs - (before.get(tid)?.cpuMs ?? 0);
    // Node 20 leaves most of its threads named "node": those are told apart by thread id.
    const name = tid === pid ? 'main' : t.name === 'node' ? `thread${tid - pid}` : t.name.replace(/\s+/g, '_');
    byName.set(name, (byName.get(name) ?? 0) + spent);
  }
  const sorted = [...byName].filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(sorted.map(([name, ms]) => [name, Number(((ms * 1000) / Math.max(1, units)).toFixed(1))]));
}
