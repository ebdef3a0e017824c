import { suite } from 'uvu';
import { startAedes, type TestBroker } from '../helpers/brokers.js';
import { uplinkFieldsScenario, jsonMarshalerScenario, reconnectScenario } from '../helpers/spine-scenarios.js';

const spine = suite<{ broker: TestBroker }>('spine over aedes');
spine.before.each(async (ctx) => {
  ctx.broker = await startAedes();
});
spine.after.each(async (ctx) => {
  await ctx.broker.stop();
});
spine('UDP in -> broker: every gw.UplinkFrame field, acks, batch records, OFFLINE on stop', ({ broker }) => uplinkFieldsScenario(broker));
spine('JSON marshaler: protobuf JSON mapping', ({ broker }) => jsonMarshalerScenario(broker));
spine('broker restart: frames kept during the outage arrive marked replay', ({ broker }) => reconnectScenario(broker));
spine.run();
