// The spine scenarios against mosquitto (system tier). Skipped only when mosquitto is missing and
// the tier is not required; CI sets LORA_EDGE_SYSTEM_TESTS=require.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startMosquitto, systemTier, type TestBroker } from '../helpers/brokers.js';
import { uplinkFieldsScenario, jsonMarshalerScenario, reconnectScenario } from '../helpers/spine-scenarios.js';

const tier = systemTier('mosquitto');
const spine = suite<{ broker?: TestBroker }>('spine over mosquitto');
spine.before.each(async (ctx) => {
  if (tier.available) ctx.broker = await startMosquitto();
});
spine.after.each(async (ctx) => {
  await ctx.broker?.stop();
});

const scenarios: Array<[string, (b: TestBroker) => Promise<void>]> = [
  ['UDP in -> mosquitto: every gw.UplinkFrame field, acks, batch records, OFFLINE on stop', uplinkFieldsScenario],
  ['JSON marshaler over mosquitto', jsonMarshalerScenario],
  ['mosquitto killed and restarted: outage records arrive marked replay', reconnectScenario],
];
for (const [name, run] of scenarios) {
  if (!tier.available && !tier.required) spine.skip(`${name} (mosquitto not installed)`);
  else
    spine(name, async ({ broker }) => {
      assert.ok(broker, 'mosquitto is required for the system tier (apt-get install mosquitto)');
      await run(broker!);
    });
}
spine.run();
