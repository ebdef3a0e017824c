// RN2483 driver against the simulated modem over a real socat pty pair.
import * as assert from 'uvu/assert';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { until } from '../../src/testing/serial/test-support.js';
import { ptyTest } from '../helpers/socat.js';
import { atModemHarness, commonAtModemScenarios } from '../helpers/at-modem-harness.js';

const h = atModemHarness('rn2483', 'serial:rn');
commonAtModemScenarios(h, 'serial:rn');

ptyTest(h.test, 'radio_err is counted and answered by re-arming', async () => {
  await h.simulator({ intervalMs: 20, faults: { rxInterruptEvery: 2 } });
  const frames: RadioFrame[] = [];
  const src = h.source(frames);
  await src.start();
  await until(() => frames.length >= 8 && src.counters().rxErrors >= 3, 'frames across radio_err interruptions');
  assert.is(src.counters().commandTimeouts, 0);
});

ptyTest(h.test, 'an unanswered command times out and the configuration runs again', async () => {
  await h.simulator({ faults: { ignoreFirstCommands: 1 } });
  const frames: RadioFrame[] = [];
  const src = h.source(frames, { commandTimeoutMs: 100 });
  await src.start();
  await until(() => frames.length >= 1, 'a frame after recovering');
  assert.is(src.counters().commandTimeouts, 1);
});

h.test.run();
