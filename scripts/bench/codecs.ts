// `npm run bench:codecs`: decodes/s per built-in codec, a sandboxed user codec, and the cost the
// decode path adds per frame. Each part runs in its own process so one does not warm the other;
// their summary lines are folded into one at the end.
import { spawnSync } from 'node:child_process';
import { packagePath } from '../../src/paths.js';
import { parseSummaryLine, summaryLine, type SummaryFields } from './summary-line.js';

const parts = [
  ['built-in codecs (target: >= 200,000 decodes/s each)', 'codecs-builtin.js', 'builtin'],
  ['sandboxed user codec (target: >= 5,000 decodes/s)', 'codecs-sandbox.js', 'sandbox'],
  ['decode path: MIC + decrypt + codec per frame (target: < 20 µs)', 'decode-path.js', 'path'],
] as const;

let failed = false;
const fields: SummaryFields = {};
for (const [title, file, prefix] of parts) {
  console.log(`\n== ${title}`);
  const r = spawnSync(process.execPath, [packagePath('dist', 'scripts', 'bench', file)], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) failed = true;
  let summarised = false;
  for (const line of (r.stdout ?? '').split('\n')) {
    const summary = parseSummaryLine(line);
    if (!summary) {
      if (line) console.log(line);
      continue;
    }
    summarised = true;
    for (const [k, v] of Object.entries(summary.fields)) fields[`${prefix}_${k}`] = v;
  }
  if (!summarised) fields[`${prefix}_failed`] = true;
}
console.log(summaryLine('codecs', fields));
process.exit(failed ? 1 : 0);
