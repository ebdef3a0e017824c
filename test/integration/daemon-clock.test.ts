// Capture times through the real daemon and an in-process broker (aedes): a clock stepped forward
// (simulated by a file: sync source, the machine's clock untouched) corrects the records captured
// before it; none lost or duplicated. The same scenario runs against mosquitto in test/system.
import { test } from 'uvu';
import { startAedes } from '../helpers/brokers.js';
import { clockStepScenario } from '../helpers/clock-scenario.js';

test('aedes: records captured before the clock step arrive corrected, later ones synchronised', async () => {
  const broker = await startAedes();
  try {
    await clockStepScenario(broker);
  } finally {
    await broker.stop();
  }
});

test.run();
