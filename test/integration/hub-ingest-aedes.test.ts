// `hub ingest` end to end with a real broker (aedes, in-process) and SQLite: every batch lands once,
// a crash between COMMIT and PUBACK makes the broker send the batch again without a duplicate row,
// and a database failure means no PUBACK until the database is back, then the batch is stored.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIngest, type Ingest, type IngestOptions } from '../../src/hub/ingest.js';
import { EMPTY_OWNER_MAP } from '../../src/hub/owner-map.js';
import { openSqliteStore } from '../../src/hub/sqlite-store.js';
import type { HubStore } from '../../src/hub/store.js';
import { silentLogger } from '../../src/log.js';
import { startAedes, type TestBroker } from '../helpers/brokers.js';
import { testBatch, testFrame, testRecord } from '../helpers/hub-batches.js';
import { connectPublisher, publishBatch, waitFor } from '../helpers/hub-ingest.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';

const GW = '0016c001ff10a235';
const GW2 = '0016c001ff10a236';
let broker: TestBroker;
let dir: string;
let store: HubStore;
const s = suite('hub ingest: aedes + SQLite');

s.before.each(async () => {
  broker = await startAedes();
  dir = mkdtempSync(join(tmpdir(), 'lora-edge-ingest-'));
  store = await openSqliteStore(join(dir, 'hub.db'), { windowMs: 600_000, owners: EMPTY_OWNER_MAP });
});
s.after.each(async () => {
  await store.close();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

function ingestOn(st: HubStore, extra: Partial<IngestOptions> = {}): Ingest {
  return startIngest({
    url: broker.url, store: st, log: silentLogger(), prefix: 'eu868', group: '', legacyTopics: false,
    clientId: 'ingest-test-1', protocolVersion: 4, sessionExpirySeconds: 3600, dbRetryMs: 100, ...extra,
  });
}

s('batches from two gateways hearing the same frames become one uplink each', async () => {
  const ingest = ingestOn(store);
  await ingest.ready;
  const pub = await connectPublisher(broker.url);
  const frames = [testFrame(), testFrame(), testFrame()];
  await publishBatch(pub, testBatch(GW, frames.map((f, i) => testRecord(i + 1, f))));
  await publishBatch(pub, testBatch(GW2, frames.map((f, i) => testRecord(100 + i, f))));
  await pub.publishAsync(`eu868/gateway/${GW}/hub/batch`, Buffer.from('{"not":"a batch"}'), { qos: 1 });
  await waitFor('both batches and the bad one', async () => ingest.counters.batches === 2 && ingest.counters.rejectedBatches === 1);
  assert.equal(await store.totals(), { uplinks: 3, receptions: 6, rejected: 1 });
  await pub.endAsync();
  await ingest.stop();
});

s('killed between COMMIT and PUBACK: the broker sends the batch again, no duplicate row', async () => {
  let died = false;
  const first = ingestOn(store, {
    afterCommit: () => {
      died = true;
      return new Promise<void>(() => undefined); // never acknowledges, like a process killed here
    },
  });
  await first.ready;
  const pub = await connectPublisher(broker.url);
  await publishBatch(pub, testBatch(GW, [testRecord(1, testFrame()), testRecord(2, testFrame())]));
  await waitFor('the first commit', () => died);
  first.client.end(true);
  assert.equal(await store.totals(), { uplinks: 2, receptions: 2, rejected: 0 });

  const second = ingestOn(store);
  await waitFor('the re-sent batch', () => second.counters.duplicates === 2);
  assert.is(second.counters.records, 0);
  assert.equal(await store.totals(), { uplinks: 2, receptions: 2, rejected: 0 });
  // And the re-sent batch was acknowledged this time: a third session gets nothing again.
  await second.stop();
  const third = ingestOn(store);
  await third.ready;
  await publishBatch(pub, testBatch(GW, [testRecord(3, testFrame())]));
  await waitFor('the next batch', () => third.counters.records === 1);
  assert.is(third.counters.duplicates, 0);
  await third.stop();
  await pub.endAsync();
});

s('a database failure: no PUBACK, a retry once the database answers, stored once', async () => {
  let down = true;
  const failing: HubStore = {
    ...store,
    writeBatch: (b, t) => (down ? Promise.reject(new Error('connection refused')) : store.writeBatch(b, t)),
    writeRejectedBatch: (...a) => store.writeRejectedBatch(...a),
    ping: () => (down ? Promise.reject(new Error('connection refused')) : store.ping()),
  };
  const ingest = ingestOn(failing);
  await ingest.ready;
  const pub = await connectPublisher(broker.url);
  await publishBatch(pub, testBatch(GW, [testRecord(1, testFrame()), testRecord(2, testFrame())]));
  await waitFor('a failed write', () => ingest.counters.dbFailures >= 1);
  await new Promise((r) => setTimeout(r, 300));
  assert.is(ingest.counters.records, 0);
  assert.equal(await store.totals(), { uplinks: 0, receptions: 0, rejected: 0 });
  down = false;
  await waitFor('the batch stored after the database came back', () => ingest.counters.records === 2);
  assert.equal(await store.totals(), { uplinks: 2, receptions: 2, rejected: 0 });
  await ingest.stop();
  await pub.endAsync();
});

s('a gateway with batch.hubAck deletes records only once the ingest committed and confirmed them', async () => {
  const daemon = await startTestDaemon(broker.url, { batch: { maxRecords: 6, hubAck: { enabled: true, timeout: '30s', window: 8 } } });
  const ingest = ingestOn(store);
  try {
    await ingest.ready;
    await waitFor('the daemon to connect', () => daemon.app.hub!.online);
    await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(5), rate: 400, count: 60 });
    await daemon.app.outbox!.flush();
    const appended = daemon.app.outbox!.stats().appended;
    await waitFor('every record confirmed by the ingest', () => daemon.app.outbox!.stats().depth === 0);
    const fwd = daemon.app.forwarder!.counters;
    assert.ok(appended >= 55, `traffic arrived (${appended})`);
    assert.is(fwd.recordsAcked, appended);
    assert.is(fwd.hubAcked, fwd.batchesAcked, 'every batch deleted on the ingest\'s word');
    assert.is(fwd.hubAckTimeouts, 0);
    assert.ok(ingest.counters.acksSent >= fwd.hubAcked);
    assert.is((await store.totals()).receptions, appended, 'every record stored once');
  } finally {
    await daemon.destroy();
    await ingest.stop();
  }
});

s.run();
