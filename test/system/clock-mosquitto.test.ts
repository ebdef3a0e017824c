// Capture times against mosquitto (system tier): the clock-step scenario of test/helpers/clock-scenario.ts.
// Skipped only when mosquitto is missing and the tier is not required.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMosquitto, systemTier } from '../helpers/brokers.js';
import { clockStepScenario } from '../helpers/clock-scenario.js';

const tier = systemTier('mosquitto');
const name = 'mosquitto: records captured before a simulated clock step arrive corrected, later ones synchronised, none lost or duplicated';
if (!tier.available && !tier.required) {
  test.skip(`${name} (mosquitto not installed)`);
  console.log('  skipped: mosquitto not installed');
} else {
  test(name, async () => {
    assert.ok(tier.available, 'mosquitto is required for the system tier (apt-get install mosquitto)');
    const broker = await startMosquitto();
    try {
      await clockStepScenario(broker);
    } finally {
      await broker.stop();
    }
  });
}

test.run();
