// LoRa-E5 driver against the simulated modem over a real socat pty pair.
import * as assert from 'uvu/assert';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { until } from '../../src/testing/serial/test-support.js';
import { ptyTest } from '../helpers/socat.js';
import { atModemHarness, commonAtModemScenarios } from '../helpers/at-modem-harness.js';

const h = atModemHarness('lora-e5', 'serial:e5');
commonAtModemScenarios(h, 'serial:e5');

ptyTest(h.test, 'an unanswered command times out and the configuration runs again', async () => {
  await h.simulator({ faults: { ignoreFirstCommands: 2 } });
  const frames: RadioFrame[] = [];
  const src = h.source(frames, { commandTimeoutMs: 100 });
  await src.start();
  await until(() => frames.length >= 1, 'a frame after recovering');
  assert.is(src.counters().commandTimeouts, 2);
  assert.is(src.counters().reconfigures, 2);
});

h.test.run();
