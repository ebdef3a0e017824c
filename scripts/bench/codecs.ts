// `npm run bench:codecs`: decodes/s per built-in codec, a sandboxed user codec, and the cost the
// decode path adds per frame. Each part runs in its own process so one does not warm the other.
import { spawnSync } from 'node:child_process';
import { packagePath } from '../../src/paths.js';

const parts = [
  ['built-in codecs (target: >= 200,000 decodes/s each)', 'codecs-builtin.js'],
  ['sandboxed user codec (target: >= 5,000 decodes/s)', 'codecs-sandbox.js'],
  ['decode path: MIC + decrypt + codec per frame (target: < 20 µs)', 'decode-path.js'],
] as const;

let failed = false;
for (const [title, file] of parts) {
  console.log(`\n== ${title}`);
  const r = spawnSync(process.execPath, [packagePath('dist', 'scripts', 'bench', file)], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
