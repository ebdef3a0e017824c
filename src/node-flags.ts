// The V8 flags the daemon runs with, read from the shebang of main.js, so scripts and tests that
// start the daemon with `node main.js` use exactly what `lora-edge` uses.
import { readFileSync } from 'node:fs';

export function daemonNodeFlags(mainJs: string): string[] {
  const first = readFileSync(mainJs, 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env -S node(.*)$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}
