// RAK3172 (RUI3) driver against the simulated modem over a real socat pty pair.
import * as assert from 'uvu/assert';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { until } from '../../src/testing/serial/test-support.js';
import { ptyTest } from '../helpers/socat.js';
import { atModemHarness, commonAtModemScenarios } from '../helpers/at-modem-harness.js';

const h = atModemHarness('rak3172', 'serial:rak');
commonAtModemScenarios(h, 'serial:rak');

ptyTest(h.test, 'the modem ending reception (RECEIVE TIMEOUT) is answered by re-arming', async () => {
  const sim = await h.simulator({ intervalMs: 20, faults: { rxInterruptEvery: 3 } });
  const frames: RadioFrame[] = [];
  const src = h.source(frames);
  await src.start();
  // Every third packet is followed by a timeout; without re-arming the flow would stop at 3.
  await until(() => frames.length >= 10, 'ten frames across three timeouts');
  assert.ok(sim.stats.commandsReceived >= 9 + 3, 'configure + arm + three re-arms');
  assert.is(src.counters().commandTimeouts, 0);
});

h.test.run();
