// `npm run bench:decode-cli`: wall-clock time of one `lora-edge decode` with a JavaScript codec, as
// field staff run it while iterating on a codec (target: median < 150 ms). Each run is a fresh
// process; `node -e 0` is measured the same way as the floor this machine allows.
// Options: --runs N (default 15), --worker (time the daemon's worker sandbox path instead).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packagePath } from '../../src/paths.js';
import { summaryLine } from './summary-line.js';

/** A small TS013 codec of the usual vendor shape: helpers, a warning path, a Date in the output. */
const CODEC = `
function int16(b, i) { var v = (b[i] << 8) | b[i + 1]; return v > 0x7fff ? v - 0x10000 : v; }
function decodeUplink(input) {
  var b = input.bytes;
  if (input.fPort !== 1) return { errors: ['unknown fPort ' + input.fPort] };
  if (b.length < 4) return { errors: ['payload too short: ' + b.length + ' bytes'] };
  var warnings = [];
  if (b[0] & 0x01) warnings.push('battery low');
  return { data: { temperature: int16(b, 1) / 100, humidity: b[3] / 2, time: input.recvTime.toISOString() }, warnings: warnings };
}`;

function timeRun(args: string[]): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`run failed (exit ${r.status}): ${r.stderr}`);
  return ms;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(samples: number[]): { median: number; p90: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: Math.round(percentile(sorted, 50)), p90: Math.round(percentile(sorted, 90)) };
}

const { values } = parseArgs({ options: { runs: { type: 'string' }, worker: { type: 'boolean' } } });
const runs = Number(values.runs ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'lora-edge-bench-decode-'));
try {
  const file = join(dir, 'bench-th.js');
  writeFileSync(file, CODEC);
  const args = [packagePath('dist', 'src', 'main.js'), 'decode', '--codec', file, '--fport', '1', '0109c464'];
  if (values.worker) args.push('--worker');
  // One untimed run each, so the first timed one does not pay for a cold file cache.
  timeRun(args);
  timeRun(['-e', '0']);
  const decode: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    decode.push(timeRun(args));
    floor.push(timeRun(['-e', '0']));
  }
  const d = summary(decode);
  const f = summary(floor);
  console.log(
    `decode-cli${values.worker ? ' --worker' : ''}: median ${d.median} ms, p90 ${d.p90} ms over ${runs} runs ` +
      `(node -e 0: median ${f.median} ms; target median < 150 ms)`,
  );
  console.log(summaryLine(values.worker ? 'decode-cli-worker' : 'decode-cli', { runs, median_ms: d.median, p90_ms: d.p90, node_floor_median_ms: f.median }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
