// The live (QoS 0) stream against a real broker: messages queued in one event-loop turn are written
// in groups before the turn ends (a turn under load holds 256 frames for tens of milliseconds, long
// enough for them to be promoted to V8's old generation), and arrive complete and in order.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAedes, type TestBroker } from '../helpers/brokers.js';
import { Collector } from '../helpers/mqtt-collector.js';
import { HubClient } from '../../src/mqtt/hub-client.js';
import { silentLogger } from '../../src/log.js';
import { waitFor } from '../helpers/hub-ingest.js';
import { seedFromEnv, seededRandom } from '../helpers/seeded-random.js';

interface Ctx {
  broker?: TestBroker;
  hub?: HubClient;
  collector?: Collector;
}
const it = suite<Ctx>('hub client live stream flushing');

it.after.each(async (ctx) => {
  await ctx.hub?.stop();
  await ctx.collector?.close();
  await ctx.broker?.stop();
});

it('a long turn of live messages is written in groups before the turn ends, all delivered in order', async (ctx) => {
  const random = seededRandom(seedFromEnv('LORA_EDGE_LIVE_FLUSH_SEED', 'live flush turns'));
  const seed = random.seed;
  const broker = await startAedes();
  ctx.broker = broker;
  const topic = 'eu868/gateway/0016c001ff10a235/event/up';
  const collector = await Collector.connect(broker.url, [topic]);
  ctx.collector = collector;
  const hub = new HubClient({
    url: broker.url, gatewayId: '0016c001ff10a235', topicPrefix: 'eu868', marshaler: 'json',
    keepaliveMs: 30_000, publishTimeoutMs: 5000, reconnectMinMs: 100, reconnectMaxMs: 200, logger: silentLogger(),
  });
  ctx.hub = hub;
  hub.start();
  await waitFor('the hub client online', () => hub.online, 10_000);

  let sent = 0;
  for (let turn = 0; turn < 4; turn++) {
    const count = random.int(1, 300);
    const publishedBefore = hub.counters.published;
    let built = 0;
    for (let i = 0; i < count; i++) {
      const n = sent++;
      assert.ok(hub.publishLive(topic, () => {
        built += 1;
        return Buffer.from(`live ${n}`);
      }), `seed ${seed}: message ${n} accepted`);
    }
    // Within the turn: every full group of 64 is built and written, the rest waits for its end.
    const grouped = count - (count % 64);
    assert.is(built, grouped, `seed ${seed}: turn ${turn} built ${built} of ${count} before its end`);
    assert.is(hub.counters.published - publishedBefore, grouped, `seed ${seed}: turn ${turn} written before its end`);
    await new Promise((r) => setImmediate(r));
    assert.is(built, count, `seed ${seed}: turn ${turn} all built at its end`);
  }
  await collector.waitFor(() => collector.messages.length >= sent, `${sent} live messages`);
  assert.equal(
    collector.messages.map((m) => m.payload.toString()),
    Array.from({ length: sent }, (_, n) => `live ${n}`),
    `seed ${seed}: every live message once, in order`,
  );
  assert.is(hub.counters.liveSkipped, 0);
});

it.run();
