// The V8 flags the daemon runs with, read from the shebang of main.js, so scripts and tests that
// start the daemon with `node main.js` use exactly what `lora-edge` uses.
import { readFileSync } from 'node:fs';

export function daemonNodeFlags(mainJs: string): string[] {
  const first = readFileSync(mainJs, 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env -S node(.*)$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}

/**
 * glibc malloc settings the daemon runs with: the systemd unit sets them (a test keeps the two
 * equal) and the benches start the daemon with them. One arena shared by every thread instead of one
 * per thread (libuv's pool, LevelDB's compaction thread, V8's helpers): memory one thread freed is
 * reused by the next that allocates instead of waiting in its own arena. A fixed mmap threshold:
 * glibc raises it to the size of each large block freed, after which the batches (100-250 KiB
 * each) came from the heap and left it fragmented; draining a backlog then held 40-50 MB more
 * anonymous memory. 32 KiB rather than 64 also maps V8's largest zone segments (32 KiB, the
 * parser's and compiler's scratch memory) on their own, so that freed ones go back to the system
 * instead of leaving holes in the heap.
 */
export const DAEMON_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_MMAP_THRESHOLD_: '32768',
};

/** `env` with the daemon's malloc settings, where `env` does not set them itself. */
export function withDaemonMallocEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const [key, value] of Object.entries(DAEMON_MALLOC_ENV)) if (out[key] === undefined) out[key] = value;
  return out;
}
