// A uvu suite for serial tests over socat ptys: a fresh temporary directory per test, and every
// SerialSource and simulator a test registers stopped and closed after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, type Test } from 'uvu';
import type { SerialSource } from '../../src/radio/serial/serial-source.js';
import type { SerialSimulator } from '../../src/testing/serial/simulator.js';

export interface PtySuite {
  test: Test;
  /** This test's temporary directory. */
  dir(): string;
  /** Push what a test starts; it is stopped after the test. */
  sources: SerialSource[];
  simulators: SerialSimulator[];
}

export function ptySuite(name: string): PtySuite {
  const test = suite(name);
  let dir = '';
  const sources: SerialSource[] = [];
  const simulators: SerialSimulator[] = [];
  test.before.each(() => {
    dir = mkdtempSync(join(tmpdir(), 'lora-edge-'));
  });
  test.after.each(async () => {
    await Promise.all(sources.splice(0).map((source) => source.stop()));
    await Promise.all(simulators.splice(0).map((simulator) => simulator.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  return { test, dir: () => dir, sources, simulators };
}
