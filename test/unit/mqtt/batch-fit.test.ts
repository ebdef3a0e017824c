// Batches cut to the MQTT packet limit: byte-exact against JSON.stringify(buildHubBatch()), never
// over the budget (seeded random records), a lone oversized record shortened or given up, gzip's
// worst case allowed for, and the forwarder never re-sending a record that cannot fit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gunzipSync, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { fitHubBatch, rawBudget } from '../../../src/mqtt/batch-fit.js';
import { buildHubBatch } from '../../../src/mqtt/hub-batch.js';
import { BatchPublisher } from '../../../src/mqtt/batch-publisher.js';
import { publishPacketSize, maxPayloadBytes } from '../../../src/mqtt/packet-size.js';
import type { OutboxRecord } from '../../../src/outbox/record.js';
import { silentLogger } from '../../../src/log.js';
import { seededRandom } from '../../../src/testing/serial/simulator-port.js';
import { sampleRecord } from '../../fixtures/outbox/records.js';
import { encodeRecord } from '../../../src/outbox/record-encoding.js';
import { StoredRecord, clockFieldsOf } from '../../../src/outbox/stored-record.js';

const GW = '0016c001ff10a235';
const NOW = Date.UTC(2026, 11, 6);
const SEED = Number(process.env.LORA_EDGE_FUZZ_SEED ?? Date.now() % 2 ** 31);
console.log(`  mqtt-batch-fit seed ${SEED} (replay: LORA_EDGE_FUZZ_SEED=${SEED})`);

function record(seq: number, padding = 0, decodedBytes = 0): OutboxRecord {
  const r: OutboxRecord = { seq, ...sampleRecord(seq, undefined, padding) };
  if (decodedBytes > 0) r.decoded = { codec: 'acme', data: { blob: 'x'.repeat(decodedBytes) }, warnings: [], errors: [] };
  return r;
}

/** A record as stored since hub schema 2: with the clock state at capture. */
function withClock(r: OutboxRecord, synced: boolean | null): OutboxRecord {
  return { ...r, clockSynced: synced, gpsTime: null, bootId: synced === null ? null : 'boot-1', monoMs: synced === null ? null : r.seq * 10 };
}

test('the fitted payload is byte for byte JSON.stringify(buildHubBatch(prefix))', () => {
  const records = Array.from({ length: 50 }, (_, i) => record(i + 1, i * 3, i % 7 === 0 ? 500 : 0));
  const full = fitHubBatch(GW, records, NOW, NOW - 1000, 10 * 1024 * 1024);
  assert.is(full.kind, 'batch');
  assert.is(full.count, 50);
  assert.is((full as { json: Buffer }).json.toString(), JSON.stringify(buildHubBatch(GW, records, NOW, NOW - 1000)));
  const cut = fitHubBatch(GW, records, NOW, NOW - 1000, 8000);
  assert.ok(cut.kind === 'batch' && cut.count > 1 && cut.count < 50);
  assert.is((cut as { json: Buffer }).json.toString(), JSON.stringify(buildHubBatch(GW, records.slice(0, cut.count), NOW, NOW - 1000)));
});

/** As the outbox reads it back: the stored bytes, and the clock fields when the record has them. */
function storedRecordOf(r: OutboxRecord): StoredRecord {
  const { seq, ...rest } = r;
  return new StoredRecord(seq, r.capturedAt, encodeRecord(seq, rest), clockFieldsOf(r));
}

test('stored records (as the outbox reads them) splice to the same bytes as record objects', () => {
  const stored = storedRecordOf;
  const records = Array.from({ length: 40 }, (_, i) => (i % 5 === 4 ? record(i + 1, i * 5) : withClock(record(i + 1, i * 5, i % 9 === 0 ? 700 : 0), true)));
  records[3].device = { devEui: '0011223344556677', name: 'caf\u00e9 \ud83d\ude00 "quoted"\n', profile: 'p', owner: 'o' };
  for (const budget of [10 * 1024 * 1024, 8000, 1500, 300]) {
    const a = fitHubBatch(GW, records, NOW, NOW - 1000, budget);
    const b = fitHubBatch(GW, records.map(stored), NOW, NOW - 1000, budget);
    assert.equal(b.kind, a.kind, `budget ${budget}`);
    assert.is(b.count, a.count, `budget ${budget}`);
    if (a.kind === 'batch' && b.kind === 'batch') {
      assert.is(b.json.toString(), a.json.toString(), `budget ${budget}`);
      assert.is(b.shortened, a.shortened);
    } else {
      assert.equal(b, a);
    }
  }
  const big = record(7, 0, 200_000);
  assert.equal(fitHubBatch(GW, [stored(big)], NOW, 0, 100_000), fitHubBatch(GW, [big], NOW, 0, 100_000), 'shortened');
  assert.equal(fitHubBatch(GW, [stored(big)], NOW, 0, 200), fitHubBatch(GW, [big], NOW, 0, 200), 'too large');
  const padded = new StoredRecord(records[0].seq, records[0].capturedAt, Buffer.concat([stored(records[0]).json, Buffer.from(' \n')]), clockFieldsOf(records[0]));
  assert.equal(fitHubBatch(GW, [padded], NOW, 0, 1e6), fitHubBatch(GW, [records[0]], NOW, 0, 1e6), 'a value not ending in } is re-encoded');
});

test(`seeded random records and limits: never over the budget, always the longest prefix (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  for (let round = 0; round < 300; round++) {
    const n = 1 + Math.floor(random() * 60);
    const records = Array.from({ length: n }, (_, i) => {
      const r = record(1000 + i, Math.floor(random() * 200), random() < 0.1 ? Math.floor(random() * 5000) : 0);
      // Multi-byte text, so that characters and bytes differ.
      if (random() < 0.2) r.device = { devEui: '0011223344556677', name: 'caf\u00e9 \ud83d\ude00 "q"', profile: 'p', owner: '\u00f8' };
      // Most records carry the clock fields (spliced from their stored bytes); older ones do not.
      const clock = random();
      return clock < 0.6 ? withClock(r, true) : clock < 0.8 ? withClock(r, null) : r;
    });
    const budget = 2000 + Math.floor(random() * 40_000);
    const fit = fitHubBatch(GW, records, NOW, 0, budget);
    // The outbox's stored bytes splice to the same batch as the record objects.
    const fromStored = fitHubBatch(GW, records.map(storedRecordOf), NOW, 0, budget);
    assert.equal(fromStored.kind === 'batch' ? { ...fromStored, json: fromStored.json.toString() } : fromStored, fit.kind === 'batch' ? { ...fit, json: fit.json.toString() } : fit, `round ${round}`);
    if (fit.kind === 'too_large') continue;
    assert.ok(fit.json.length <= budget, `round ${round}: ${fit.json.length} > ${budget}`);
    if (fit.count < n && fit.shortened === 0) {
      const longer = JSON.stringify(buildHubBatch(GW, records.slice(0, fit.count + 1), NOW, 0));
      assert.ok(Buffer.byteLength(longer) > budget, `round ${round}: one more record would have fitted`);
    }
  }
});

test('a record too large alone is sent without its decoded data; one that cannot fit at all is given up', () => {
  const big = record(7, 0, 200_000);
  const fit = fitHubBatch(GW, [big, record(8)], NOW, 0, 100_000);
  assert.ok(fit.kind === 'batch');
  if (fit.kind !== 'batch') return;
  assert.is(fit.count, 2, 'the shortened record and the next one share the batch');
  assert.is(fit.shortened, 1);
  const sent = JSON.parse(fit.json.toString()).records[0];
  assert.is(sent.decoded.data, null);
  assert.match(sent.decoded.errors[0], /decoded data left out/);
  assert.is(sent.phyPayload, big.phyPayload, 'the raw frame is still delivered');
  assert.ok(fit.json.length <= 100_000);
  const hopeless = fitHubBatch(GW, [record(9)], NOW, 0, 200);
  assert.is(hopeless.kind, 'too_large');
});

test('gzip budget: incompressible JSON still compresses under the payload limit', () => {
  const limit = 64 * 1024;
  const raw = rawBudget(limit, 'gzip');
  const text = Buffer.from(JSON.stringify({ b: randomBytes(raw).toString('latin1') }).slice(0, raw), 'latin1');
  assert.ok(gzipSync(text, { level: 9 }).length <= limit);
  assert.is(gunzipSync(gzipSync(text)).length, text.length);
});

test('packet size: header, topic, packet id and payload as the broker counts them', () => {
  assert.is(publishPacketSize('a/b', 10, 1), 1 + 1 + 2 + 3 + 2 + 10);
  assert.is(publishPacketSize('a/b', 200, 0), 1 + 2 + 2 + 3 + 200);
  assert.is(publishPacketSize('a/b', 0, 1, 5), 1 + 1 + 2 + 3 + 2 + 1);
  const topic = 'eu868/gateway/0016c001ff10a235/hub/batch';
  assert.ok(publishPacketSize(topic, maxPayloadBytes(topic, 131_072), 1) <= 131_072);
});

test('forwarder: a record that cannot fit is acknowledged unsent once, never re-sent; the rest flows', async () => {
  const records = [record(1), { ...record(2), radio: { ...record(2).radio, source: 's'.repeat(9000) } }, record(3)];
  const acked: Array<[number, number]> = [];
  const published: Buffer[] = [];
  const source = {
    async readBatch(after: number, max: number) {
      return records.filter((r) => r.seq > after && !acked.some(([a, b]) => r.seq >= a && r.seq <= b)).slice(0, max);
    },
    async ack(d: { from: number; to: number } | number[]) {
      acked.push(Array.isArray(d) ? [d[0], d[d.length - 1]] : [d.from, d.to]);
    },
    headSeq() {
      return records.find((r) => !acked.some(([a, b]) => r.seq >= a && r.seq <= b))?.seq ?? null;
    },
    removedOnPurpose(from: number, to: number) {
      for (let s = from; s <= to; s++) if (!acked.some(([a, b]) => s >= a && s <= b)) return false;
      return true;
    },
  };
  const sink = {
    online: true,
    onlineSince: 0,
    maxPacketSize: 4096,
    async publish(_t: string, payload: Buffer) {
      published.push(payload);
    },
  };
  // A source id of 9000 characters: shortening cuts it to 256, so record 2 is sent shortened.
  const fwd = new BatchPublisher(source, sink, { gatewayId: GW, topic: 't', maxRecords: 500, maxBytes: 1 << 20, inflight: 4, compression: 'none', logger: silentLogger() });
  fwd.wake();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(acked, [[1, 1], [2, 3]], 'record 1 alone (record 2 does not fit beside it), then 2 shortened with 3');
  assert.is(published.length, 2);
  assert.is(fwd.counters.recordsShortened, 1);
  assert.ok(published.every((p) => p.length <= 4096));
  fwd.stop();

  // Now a sink whose limit no record can meet: each is given up once, nothing loops.
  acked.length = 0;
  published.length = 0;
  sink.maxPacketSize = 300;
  const fwd2 = new BatchPublisher(source, sink, { gatewayId: GW, topic: 't', maxRecords: 500, maxBytes: 1 << 20, inflight: 4, compression: 'none', logger: silentLogger() });
  fwd2.wake();
  await new Promise((r) => setTimeout(r, 50));
  assert.is(published.length, 0);
  assert.is(fwd2.counters.recordsTooLarge, 3);
  assert.is(fwd2.counters.batchErrors, 0);
  fwd2.stop();
  assert.is(acked.length, 3);
  fwd.stop();
  fwd2.stop();
});

test.run();
