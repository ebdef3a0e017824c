// A small real file system for storage fault tests: a tmpfs mounted in a temp dir (root only), with a
// dummy file that fills it up to a chosen margin and can be deleted to give the space back.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Bytes available on the mount now. */
  freeBytes(): number;
  /** Writes a dummy file so that only about `leaveBytes` stay free. */
  fill(leaveBytes: number): void;
  /** Deletes the dummy file. */
  release(): void;
  unmount(): void;
}

/** Root-only tier gate: skip (printing why) unless LORA_EDGE_SYSTEM_TESTS=require, then fail. */
export function rootTier(): { available: boolean; required: boolean } {
  return { available: process.getuid?.() === 0, required: process.env.LORA_EDGE_SYSTEM_TESTS === 'require' };
}

export function mountTmpfs(sizeMiB: number): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mount -t tmpfs failed: ${r.stderr || r.error?.message}`);
  }
  const filler = join(dir, 'filler');
  const freeBytes = () => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    freeBytes,
    fill(leaveBytes) {
      const size = freeBytes() - leaveBytes;
      if (size > 0) writeFileSync(filler, Buffer.alloc(size));
    },
    release() {
      if (existsSync(filler)) unlinkSync(filler);
    },
    unmount() {
      const u = spawnSync('umount', [dir], { encoding: 'utf8' });
      if (u.status !== 0) spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
