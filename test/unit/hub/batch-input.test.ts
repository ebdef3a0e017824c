// Reading batches as the hub receives them: JSON and gzip, schema versions 1 and 2 (unknown fields
// kept), and hostile input refused with a reason instead of a throw.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync } from 'node:zlib';
import { MAX_BATCH_BYTES, readBatch } from '../../../src/hub/batch-input.js';
import { gatewayIdOfTopic } from '../../../src/mqtt/chirpstack/topics.js';
import { batchPayload, batchTopic, testBatch, testFrame, testRecord } from '../../helpers/hub-batches.js';

const GW = '0016c001ff10a235';

test('a JSON batch and the same batch gzipped read the same', () => {
  const batch = testBatch(GW, [testRecord(7, testFrame()), testRecord(8, testFrame({ owner: null, devEui: null }))]);
  const json = readBatch(batchTopic(GW), batchPayload(batch));
  const gz = readBatch(batchTopic(GW), gzipSync(batchPayload(batch)));
  assert.ok(json.ok && gz.ok);
  if (!json.ok || !gz.ok) return;
  assert.equal(json.batch, gz.batch);
  assert.is(json.batch.records.length, 2);
  const [a, b] = json.batch.records;
  assert.is(a.seq, 7);
  assert.is(a.owner, 'city-lighting');
  assert.is(a.devEui, '70b3d57ed0000001');
  assert.is(a.payloadBytes, 12);
  assert.is(a.rssi, -71);
  assert.is(b.owner, null);
  assert.is(b.devEui, null);
  assert.is(b.devAddr, '26011bda');
});

test('schemaVersion 2 is read and fields this hub does not know are kept in the raw record', () => {
  const batch = testBatch(GW, [testRecord(1, testFrame())]) as unknown as Record<string, unknown>;
  batch.schemaVersion = 2;
  (batch.records as Array<Record<string, unknown>>)[0].clockSynced = true;
  (batch.records as Array<Record<string, unknown>>)[0].gpsTime = '2026-11-23T10:15:02.070Z';
  const r = readBatch(batchTopic(GW), Buffer.from(JSON.stringify(batch)));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.batch.schemaVersion, 2);
  assert.is(r.batch.records[0].raw.clockSynced, true);
  assert.is(r.batch.records[0].raw.gpsTime, '2026-11-23T10:15:02.070Z');
});

test('hostile batches are refused with a reason, never thrown', () => {
  const good = testBatch(GW, [testRecord(1, testFrame())]);
  const cases: Array<[string, Buffer | Uint8Array, RegExp]> = [
    ['empty', Buffer.alloc(0), /not JSON/],
    ['not JSON', Buffer.from('{"schemaVersion":1,'), /not JSON/],
    ['a list', Buffer.from('[1,2]'), /not a JSON object/],
    ['null', Buffer.from('null'), /not a JSON object/],
    ['version 3', Buffer.from(JSON.stringify({ ...good, schemaVersion: 3 })), /unsupported schemaVersion 3/],
    ['version as text', Buffer.from(JSON.stringify({ ...good, schemaVersion: '1' })), /unsupported schemaVersion/],
    ['bad gateway id', Buffer.from(JSON.stringify({ ...good, gatewayId: '../../etc' })), /16 hex digits/],
    ['another gateway than the topic', Buffer.from(JSON.stringify({ ...good, gatewayId: '0016c001ff10ffff' })), /does not match the topic/],
    ['records not a list', Buffer.from(JSON.stringify({ ...good, records: { 0: 1 } })), /records must be a list/],
    ['truncated gzip', gzipSync(batchPayload(good)).subarray(0, 20), /gzip/],
    ['gzip bomb', gzipSync(Buffer.alloc(MAX_BATCH_BYTES + 1024, 0x20)), /gzip|larger/],
    ['prototype keys', Buffer.from('{"__proto__":{"schemaVersion":1},"constructor":1}'), /unsupported schemaVersion/],
  ];
  for (const [name, payload, reason] of cases) {
    const r = readBatch(batchTopic(GW), payload);
    assert.is(r.ok, false, name);
    if (!r.ok) {
      assert.match(r.reason, reason, name);
      assert.is(r.gatewayId, GW, name);
    }
  }
});

test('a bad record is refused alone; the good records of its batch are read', () => {
  const good = testRecord(5, testFrame());
  const records: unknown[] = [
    good,
    { ...good, seq: -1 },
    { ...good, seq: 1.5 },
    { ...good, seq: 6, capturedAt: 'yesterday' },
    { ...good, seq: 7, phyPayload: 'not base64!' },
    { ...good, seq: 8, phyPayload: 'A'.repeat(4096) },
    { ...good, seq: 9, radio: null },
    'a string',
    null,
    { ...good, seq: 10, lorawan: 'x', device: { owner: 42 } },
  ];
  const r = readBatch(batchTopic(GW), Buffer.from(JSON.stringify({ ...testBatch(GW, [good]), records })));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.batch.records.map((x) => x.seq), [5, 10]);
  assert.is(r.batch.records[1].owner, null);
  assert.is(r.batch.records[1].fCnt, null);
  assert.equal(r.batch.rejectedRecords.map((x) => x.seq), [-1, null, 6, 7, 8, 9, null, null]);
});

test('the gateway id is found in new and legacy topics, with or without a prefix', () => {
  assert.is(gatewayIdOfTopic('eu868/gateway/0016c001ff10a235/hub/batch'), GW);
  assert.is(gatewayIdOfTopic('eu868/gateway/0016c001ff10a235/event/batch'), GW);
  assert.is(gatewayIdOfTopic('gateway/0016c001ff10a235/hub/batch'), GW);
  assert.is(gatewayIdOfTopic('a/b/gateway/0016c001ff10a235/hub/batch'), GW);
  assert.is(gatewayIdOfTopic('something/else'), null);
});

test.run();
