// The hub ingest on PostgreSQL (LORA_EDGE_PG_URL, started by .ci/postgres) and mosquitto: the shared
// store cases, concurrent writers creating the same uplinks at the same moment, and 3 ingest
// instances sharing one `$share/` subscription (MQTT 5), one of them cut off mid-run.
// Each test works in its own database, dropped afterwards. Seeded: LORA_EDGE_SEED replays a run.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startIngest, type Ingest } from '../../src/hub/ingest.js';
import { EMPTY_OWNER_MAP } from '../../src/hub/owner-map.js';
import { openPostgresStore } from '../../src/hub/postgres-store.js';
import type { HubStore } from '../../src/hub/store.js';
import { DEFAULT_DEDUP_WINDOW_MS } from '../../src/hub/uplink-key.js';
import { silentLogger } from '../../src/log.js';
import { randomSeed } from '../helpers/faults/prng.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { startMosquitto, systemTier } from '../helpers/brokers.js';
import { batchTopic, createTestDatabase, testBatch, testFrame, testRecord, type TestFrame } from '../helpers/hub-batches.js';
import { connectPublisher, publishBatch, waitFor } from '../helpers/hub-ingest.js';
import { GW1, GW2, GW3, ingestBatch, storeCases } from '../helpers/hub-store-cases.js';

const PG_URL = process.env.LORA_EDGE_PG_URL;
const required = process.env.LORA_EDGE_SYSTEM_TESTS === 'require';
const mosquitto = systemTier('mosquitto');
if (!PG_URL && required) throw new Error('LORA_EDGE_PG_URL is not set but the system tier is required (.ci/postgres prints it)');
// pg reads anything else as a path relative to postgres://base and fails with "ENOTFOUND base".
if (PG_URL && !/^postgres(ql)?:\/\//.test(PG_URL)) throw new Error(`LORA_EDGE_PG_URL is not a postgres:// URL: ${JSON.stringify(PG_URL)}`);
const seed = Number(process.env.LORA_EDGE_SEED ?? randomSeed());
console.log(`hub-postgres seed ${seed} (LORA_EDGE_SEED=${seed} replays it)`);

const s = suite('hub store and ingest: PostgreSQL');
let db: { url: string; drop(): Promise<void> } | undefined;
s.before.each(async () => {
  if (PG_URL) db = await createTestDatabase(PG_URL);
});
s.after.each(async () => {
  await db?.drop();
  db = undefined;
});

const open = (o: { windowMs?: number; owners?: typeof EMPTY_OWNER_MAP } = {}): Promise<HubStore> =>
  openPostgresStore(db!.url, { windowMs: o.windowMs ?? DEFAULT_DEDUP_WINDOW_MS, owners: o.owners ?? EMPTY_OWNER_MAP });

if (!PG_URL) {
  s.skip('PostgreSQL store cases (LORA_EDGE_PG_URL not set; .ci/postgres starts a cluster and prints it)');
} else {
  storeCases(s, open);

  s('processes starting at once migrate once', async () => {
    const stores = await Promise.all([open(), open(), open(), open()]);
    assert.equal(await stores[0].totals(), { uplinks: 0, receptions: 0, rejected: 0 });
    await Promise.all(stores.map((x) => x.close()));
  });

  s('three writers storing three gateways\' batches of the same frames at the same moment: one uplink each', async () => {
    const rng = seededRandom(seed);
    const writers = await Promise.all([open(), open(), open()]);
    try {
      const gateways = [GW1, GW2, GW3];
      const seqs = [1, 1, 1];
      let frames = 0;
      for (let round = 0; round < 20; round++) {
        const roundFrames: TestFrame[] = Array.from({ length: 25 }, () => testFrame({ devEui: null, devAddr: rng.bytes(4).toString('hex') }));
        frames += roundFrames.length;
        // Each gateway hears every frame of the round, in its own order, and one writer stores each gateway's batch.
        const batches = gateways.map((gw, g) => {
          const order = [...roundFrames].sort(() => rng.next() - 0.5);
          return ingestBatch(gw, order.map((f) => testRecord(seqs[g]++, f, Date.parse('2026-11-23T10:00:00Z') + rng.int(0, 2000))));
        });
        await Promise.all(batches.map((b, i) => writers[i].writeBatch(b, batchTopic(b.gatewayId))));
      }
      assert.equal(await writers[0].totals(), { uplinks: frames, receptions: 3 * frames, rejected: 0 });
    } finally {
      await Promise.all(writers.map((w) => w.close()));
    }
  });

  if (!mosquitto.available && !mosquitto.required) {
    s.skip('shared subscription (mosquitto not installed)');
  } else {
    s('three ingest instances on one $share group, one cut off mid-run: every reception once', async () => {
      const rng = seededRandom(seed + 1);
      const broker = await startMosquitto();
      const stores = await Promise.all([open(), open(), open()]);
      const ingests: Ingest[] = [];
      const startOne = (i: number) =>
        startIngest({
          url: broker.url, store: stores[i], log: silentLogger(), prefix: 'eu868', group: 'hub-test', legacyTopics: false,
          clientId: `ingest-sys-${i}`, protocolVersion: 5, sessionExpirySeconds: 3600, dbRetryMs: 100,
        });
      try {
        for (let i = 0; i < 3; i++) ingests.push(startOne(i));
        await Promise.all(ingests.map((x) => x.ready));
        const pub = await connectPublisher(broker.url, 5);
        const gateways = [GW1, GW2, GW3];
        const seqs = [1, 1, 1];
        const frames = new Set<string>();
        let receptions = 0;
        for (let b = 0; b < 60; b++) {
          if (b === 30) ingests[1].client.end(true); // cut off: its unacknowledged batches wait for it
          if (b === 45) ingests[1] = startOne(1);
          const batchFrames = Array.from({ length: 10 }, () => testFrame({ devEui: null, devAddr: rng.bytes(4).toString('hex') }));
          for (let g = 0; g < 3; g++) {
            const heard = batchFrames.filter(() => rng.chance(0.7));
            if (heard.length === 0) continue;
            for (const f of heard) frames.add(f.phyPayload);
            receptions += heard.length;
            await publishBatch(pub, testBatch(gateways[g], heard.map((f) => testRecord(seqs[g]++, f))));
          }
        }
        await waitFor('every reception stored', async () => (await stores[0].totals()).receptions === receptions, 30_000);
        const totals = await stores[0].totals();
        console.log(`  shared subscription: ${receptions} receptions, batches per instance ${ingests.map((x) => x.counters.batches).join('/')}`);
        assert.is(totals.uplinks, frames.size);
        assert.is(totals.receptions, receptions);
        await pub.endAsync();
      } finally {
        for (const x of ingests) await x.stop().catch(() => undefined);
        await Promise.all(stores.map((x) => x.close()));
        await broker.stop();
      }
    });
  }
}

s.run();
