// Mounts test/helpers/faults/unsynced-fs.py (FUSE): writes are volatile until fsync'd, and
// powerCut() kills the file system process so every unsynced write is gone, as in a power cut.
// Needs root, /dev/fuse and Debian's python3-fusepy (CI installs fuse3 python3-fusepy).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { packagePath } from '../../../src/paths.js';

/** Debian's python has python3-fusepy; a python earlier on PATH (pyenv) may not. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SCRIPT = packagePath('test', 'helpers', 'faults', 'unsynced-fs.py');

export interface UnsyncedFs {
  /** SIGKILLs the file system process: unsynced data is lost. */
  powerCut(): Promise<void>;
  /**
   * Detaches the dead mount. Only once the writer is dead too: detached earlier, a writer still
   * running would write into the bare mountpoint directory.
   */
  detach(): void;
}

/** Why the FUSE layer cannot run here, or null when it can. */
export function unsyncedFsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to mount';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  if (spawnSync(PYTHON, ['-c', 'import fusepy'], { stdio: 'ignore' }).status !== 0) return 'python3-fusepy is not installed';
  return null;
}

function mounted(mountpoint: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === mountpoint);
}

export async function mountUnsyncedFs(backing: string, mountpoint: string): Promise<UnsyncedFs> {
  let stderr = '';
  const child: ChildProcess = spawn(PYTHON, [SCRIPT, backing, mountpoint], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 10_000;
  while (!mounted(mountpoint)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the unsynced-data FUSE layer did not mount: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    async powerCut() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    },
    detach() {
      spawnSync('umount', ['-l', mountpoint]);
    },
  };
}
