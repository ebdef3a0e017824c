// Where the daemon learns whether the system clock is synchronised: the kernel's flag as
// `timedatectl` reads it (NTPSynchronized), systemd-timesyncd's flag file as a cheap check, fixed
// answers, or a file (tests and custom setups). Chosen by `clock.syncSource`; read by a poller,
// never on the uplink path. A source that cannot answer says null ("unknown") and why.
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';

export interface ClockReading {
  synced: boolean | null;
  /**
   * Only from a `file:` source, for tests: ms the daemon adds to its wall time for capture stamps,
   * to simulate a clock that is wrong and is then stepped, without touching the machine's clock.
   */
  offsetMs: number;
  /** Why `synced` is null. */
  problem?: string;
}

export interface ClockSyncSource {
  /** The configured spec, for logs and the status view. */
  readonly name: string;
  read(): Promise<ClockReading>;
}

export type SyncSourceSpec =
  | { kind: 'auto' | 'timedatectl' | 'timesyncd' | 'always' | 'never' }
  | { kind: 'file'; path: string };

const FIXED_KINDS = ['auto', 'timedatectl', 'timesyncd', 'always', 'never'] as const;

/** The accepted spellings, for error messages and docs. */
export const SYNC_SOURCE_SYNTAX = 'auto, timedatectl, timesyncd, always, never or file:PATH';

/** Parses `clock.syncSource`; a string naming the problem when it is not valid. */
export function parseSyncSourceSpec(text: string): SyncSourceSpec | string {
  if ((FIXED_KINDS as readonly string[]).includes(text)) return { kind: text as (typeof FIXED_KINDS)[number] };
  if (text.startsWith('file:')) {
    const path = text.slice('file:'.length);
    if (path.trim() === '') return `"${text}" names no file: write file:/path/to/flag`;
    return { kind: 'file', path };
  }
  return `"${text}" is not a clock sync source: use ${SYNC_SOURCE_SYNTAX}`;
}

/** `timedatectl show -p NTPSynchronized --value` prints yes or no. */
export function parseTimedatectl(stdout: string): ClockReading {
  const v = stdout.trim();
  if (v === 'yes') return { synced: true, offsetMs: 0 };
  if (v === 'no') return { synced: false, offsetMs: 0 };
  return { synced: null, offsetMs: 0, problem: `timedatectl answered ${JSON.stringify(v.slice(0, 80))}, expected yes or no` };
}

const MAX_TEST_OFFSET_MS = 100 * 365 * 86_400_000;

/**
 * A `file:` source's content: `yes` (synchronised), `no` or `unknown`, optionally followed by
 * `offsetMs=<integer>` (tests only: see ClockReading.offsetMs). Whitespace separates the words.
 */
export function parseSyncFile(text: string): ClockReading {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  const state = words[0];
  let synced: boolean | null;
  if (state === 'yes') synced = true;
  else if (state === 'no') synced = false;
  else if (state === 'unknown') synced = null;
  else return { synced: null, offsetMs: 0, problem: `the file should start with yes, no or unknown, not ${JSON.stringify((state ?? '').slice(0, 40))}` };
  let offsetMs = 0;
  for (const word of words.slice(1)) {
    const m = /^offsetMs=(-?\d{1,15})$/.exec(word);
    if (!m || Math.abs(Number(m[1])) > MAX_TEST_OFFSET_MS) {
      return { synced: null, offsetMs: 0, problem: `unrecognised word ${JSON.stringify(word.slice(0, 40))} (expected offsetMs=<integer ms>, at most a century)` };
    }
    offsetMs = Number(m[1]);
  }
  return synced === null ? { synced, offsetMs, problem: 'the file says unknown' } : { synced, offsetMs };
}

export interface SyncSourceOptions {
  /** systemd-timesyncd's flag file, touched once it has synchronised the clock. */
  timesyncdFlag?: string;
  /** The timedatectl command (tests substitute a script). */
  timedatectl?: string;
  /** How long timedatectl may take before the reading counts as unknown. */
  timeoutMs?: number;
}

export const TIMESYNCD_FLAG = '/run/systemd/timesync/synchronized';

export function createSyncSource(name: string, opts: SyncSourceOptions = {}): ClockSyncSource {
  const spec = parseSyncSourceSpec(name);
  if (typeof spec === 'string') throw new Error(`clock.syncSource: ${spec}`);
  const flag = opts.timesyncdFlag ?? TIMESYNCD_FLAG;
  const command = opts.timedatectl ?? 'timedatectl';
  const timeoutMs = opts.timeoutMs ?? 5000;
  const read = (): Promise<ClockReading> => {
    switch (spec.kind) {
      case 'always':
        return Promise.resolve({ synced: true, offsetMs: 0 });
      case 'never':
        return Promise.resolve({ synced: false, offsetMs: 0 });
      case 'timedatectl':
        return readTimedatectl(command, timeoutMs);
      case 'timesyncd':
        return readTimesyncdFlag(flag, false);
      case 'auto':
        // The flag file is the cheap yes; without it ask the kernel through timedatectl (chrony,
        // ntpd and others do not touch the flag). No systemd at all (containers): unknown.
        return readTimesyncdFlag(flag, null).then((r) => (r.synced === true ? r : readTimedatectl(command, timeoutMs)));
      case 'file':
        return readFile(spec.path, 'utf8').then(parseSyncFile, (err: NodeJS.ErrnoException) => ({
          synced: null,
          offsetMs: 0,
          problem: `cannot read ${spec.path}: ${err.code ?? err.message}`,
        }));
    }
  };
  return { name, read };
}

function readTimesyncdFlag(path: string, whenAbsent: false | null): Promise<ClockReading> {
  return access(path).then(
    () => ({ synced: true, offsetMs: 0 }),
    (err: NodeJS.ErrnoException) =>
      err.code === 'ENOENT' && whenAbsent === false
        ? { synced: false, offsetMs: 0 }
        : { synced: null, offsetMs: 0, problem: `${path}: ${err.code ?? err.message}` },
  );
}

/**
 * Our environment without systemd's notify variables: a systemd tool that inherits NOTIFY_SOCKET
 * reports its own failure there (`ERRNO=112`), which systemd would take as the daemon's.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID']) delete env[key];
  return env;
}

function readTimedatectl(command: string, timeoutMs: number): Promise<ClockReading> {
  return new Promise((resolve) => {
    const options = { timeout: timeoutMs, maxBuffer: 4096, env: childEnv() };
    execFile(command, ['show', '-p', 'NTPSynchronized', '--value'], options, (err, stdout, stderr) => {
      if (err) {
        // err.code is an errno name when the command cannot run, the exit status when it failed.
        const why = String(String(stderr).trim().split('\n')[0] || (err as NodeJS.ErrnoException).code || err.message).slice(0, 200);
        resolve({ synced: null, offsetMs: 0, problem: `timedatectl failed: ${why}` });
        return;
      }
      resolve(parseTimedatectl(String(stdout)));
    });
  });
}
