// A pair of linked pseudo-terminals made by socat: whatever is written to one end comes out of the
// other. Each end appears as a symlink at a chosen path. Killing socat makes both paths vanish
// and restarting it brings them back (pointing at new ptys), which is how a USB serial device
// looks to the host when it is unplugged and plugged in again.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, unlinkSync } from 'node:fs';

export interface PtyPair {
  readonly hostPath: string;
  readonly devicePath: string;
  readonly running: boolean;
  /** Stops socat; both paths disappear. Idempotent. */
  kill(): Promise<void>;
  /** Starts socat again with the same paths (after kill). */
  restart(): Promise<void>;
}

export interface PtyPairOptions {
  hostPath: string;
  devicePath: string;
  socatPath?: string;
  readyTimeoutMs?: number;
}

/** Whether a runnable socat is installed. */
export function socatInstalled(socatPath = 'socat'): boolean {
  const result = spawnSync(socatPath, ['-V'], { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

/**
 * socat must not outlive the process that started it, or a crashed test leaves ptys behind.
 * setpriv's parent-death signal covers even SIGKILL; the exit hook covers systems without it.
 */
let parentDeathWrapper: boolean | undefined;
function canUseParentDeathSignal(): boolean {
  parentDeathWrapper ??= spawnSync('setpriv', ['--pdeathsig', 'TERM', 'true'], { stdio: 'ignore' }).status === 0;
  return parentDeathWrapper;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function killOnExit(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const live of liveChildren) live.kill('SIGTERM');
  });
}

/** Removes a dangling link a killed socat may have left, but never anything that is not a pty link. */
function removeStaleLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink() && readlinkSync(path).startsWith('/dev/pts/') && !existsSync(path)) unlinkSync(path);
  } catch {
    // Nothing there.
  }
}

class SocatPtyPair implements PtyPair {
  private child: ChildProcess | undefined;

  constructor(
    readonly hostPath: string,
    readonly devicePath: string,
    private readonly socatPath: string,
    private readonly readyTimeoutMs: number,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child) return;
    removeStaleLink(this.hostPath);
    removeStaleLink(this.devicePath);
    const socatArgs = ['-d', '-d', `pty,raw,echo=0,link=${this.hostPath}`, `pty,raw,echo=0,link=${this.devicePath}`];
    // setpriv execs socat in place, so the pid (and kill()) stay socat's own.
    const child = canUseParentDeathSignal()
      ? spawn('setpriv', ['--pdeathsig', 'TERM', this.socatPath, ...socatArgs], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(this.socatPath, socatArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    killOnExit(child);
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => finish(new Error(`socat did not create ${this.hostPath} within ${this.readyTimeoutMs} ms: ${stderr.trim()}`)), this.readyTimeoutMs);
      const poll = setInterval(() => {
        if (stderr.includes('starting data transfer loop') && existsSync(this.hostPath) && existsSync(this.devicePath)) finish();
      }, 5);
      const onData = (chunk: Buffer): void => {
        stderr += chunk.toString();
      };
      const onExit = (code: number | null): void => finish(new Error(`socat exited (${code}) before it was ready: ${stderr.trim()}`));
      const onError = (error: Error): void => finish(new Error(`cannot run socat: ${error.message}`));
      const finish = (error?: Error): void => {
        clearTimeout(deadline);
        clearInterval(poll);
        child.off('exit', onExit);
        child.off('error', onError);
        if (error) {
          if (this.child === child) this.child = undefined;
          child.kill('SIGKILL');
          reject(error);
        } else {
          resolve();
        }
      };
      child.stderr?.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    });
    // socat keeps logging at -d -d; keep draining so it never blocks on a full pipe.
    child.stderr?.resume();
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
  }

  restart(): Promise<void> {
    return this.start();
  }
}

/** Spawns `socat -d -d pty,raw,echo=0,link=<host> pty,raw,echo=0,link=<device>` and waits for both links. */
export async function startPtyPair(options: PtyPairOptions): Promise<PtyPair> {
  const pair = new SocatPtyPair(options.hostPath, options.devicePath, options.socatPath ?? 'socat', options.readyTimeoutMs ?? 5000);
  await pair.start();
  return pair;
}
