// socat pty pairs for tests, and the rule for when pty tests may be skipped: only when socat is
// missing and LORA_EDGE_SYSTEM_TESTS is not 'require' (CI sets it, so there a missing socat fails).
import { join } from 'node:path';
import type { Test } from 'uvu';
import { type PtyPair, socatInstalled, startPtyPair } from '../../src/testing/serial/pty-pair.js';

export type { PtyPair };

/** Spawns `socat -d -d pty,raw,echo=0,link=<dir>/host pty,raw,echo=0,link=<dir>/device` and waits for both links. */
export function createPtyPair(dir: string): Promise<PtyPair> {
  return startPtyPair({ hostPath: join(dir, 'host'), devicePath: join(dir, 'device') });
}

export type PtyTestMode = 'run' | 'skip' | 'fail';

export function ptyTestMode(): PtyTestMode {
  if (socatInstalled()) return 'run';
  return process.env.LORA_EDGE_SYSTEM_TESTS === 'require' ? 'fail' : 'skip';
}

/**
 * Registers a test that needs socat. Without socat it is skipped with a printed reason, or, when
 * system tests are required, replaced by a test that fails saying why.
 */
export function ptyTest(suite: Test, name: string, body: () => Promise<void>): void {
  const mode = ptyTestMode();
  if (mode === 'run') {
    suite(name, body);
  } else if (mode === 'skip') {
    console.log(`SKIP "${name}": socat is not installed (apt-get install socat); set LORA_EDGE_SYSTEM_TESTS=require to make this fail`);
    suite.skip(name, body);
  } else {
    suite(name, () => {
      throw new Error('socat is required (LORA_EDGE_SYSTEM_TESTS=require) but not installed: apt-get install socat');
    });
  }
}
