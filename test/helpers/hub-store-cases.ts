// The hub database's behaviour, written once and run against each adapter (SQLite in the
// integration tier, PostgreSQL in the system tier): migrations, exactly once across re-sent
// batches and gateways, the dedup window, owners and the per-day accounting.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBatch, type IngestBatch } from '../../src/hub/batch-input.js';
import { EMPTY_OWNER_MAP, parseOwnerMap, type OwnerMap } from '../../src/hub/owner-map.js';
import type { HubStore } from '../../src/hub/store.js';
import type { OutboxRecord } from '../../src/outbox/record.js';
import { batchPayload, batchTopic, testBatch, testFrame, testRecord } from './hub-batches.js';

export type OpenTestStore = (opts?: { owners?: OwnerMap; windowMs?: number }) => Promise<HubStore>;

export const GW1 = '0016c001ff10a231';
export const GW2 = '0016c001ff10a232';
export const GW3 = '0016c001ff10a233';
const T0 = Date.parse('2026-11-23T10:15:02.071Z');

export function ingestBatch(gatewayId: string, records: OutboxRecord[]): IngestBatch {
  const r = readBatch(batchTopic(gatewayId), batchPayload(testBatch(gatewayId, records)));
  if (!r.ok) throw new Error(r.reason);
  return r.batch;
}

export function storeCases(t: Test, open: OpenTestStore): void {
  t('a batch sent twice is stored once', async () => {
    const store = await open();
    try {
      const batch = ingestBatch(GW1, [testRecord(1, testFrame()), testRecord(2, testFrame())]);
      assert.equal(await store.writeBatch(batch, batchTopic(GW1)), { stored: 2, duplicates: 0, newUplinks: 2, rejected: 0 });
      assert.equal(await store.writeBatch(batch, batchTopic(GW1)), { stored: 0, duplicates: 2, newUplinks: 0, rejected: 0 });
      assert.equal(await store.totals(), { uplinks: 2, receptions: 2, rejected: 0 });
      // The same seq twice inside one batch: stored once.
      const twice = testRecord(3, testFrame());
      assert.equal(await store.writeBatch(ingestBatch(GW1, [twice, twice]), batchTopic(GW1)), { stored: 1, duplicates: 1, newUplinks: 1, rejected: 0 });
    } finally {
      await store.close();
    }
  });

  t('one frame heard by three gateways is one uplink with three receptions, earliest time kept', async () => {
    const store = await open();
    try {
      const f = testFrame();
      await store.writeBatch(ingestBatch(GW1, [testRecord(10, f, T0 + 40)]), batchTopic(GW1));
      await store.writeBatch(ingestBatch(GW2, [testRecord(77, f, T0 + 3)]), batchTopic(GW2));
      const third = await store.writeBatch(ingestBatch(GW3, [testRecord(5, f, T0 + 900, -110)]), batchTopic(GW3));
      assert.equal(third, { stored: 1, duplicates: 0, newUplinks: 0, rejected: 0 });
      assert.equal(await store.totals(), { uplinks: 1, receptions: 3, rejected: 0 });
      assert.equal(await store.ownerDaily(), [{ day: '2026-11-23', owner: 'city-lighting', uplinks: 1, bytes: 12 }]);
    } finally {
      await store.close();
    }
  });

  t('the same bytes again after the window (FCnt wrap, 1.0 reset) are a new uplink', async () => {
    const store = await open({ windowMs: 60_000 });
    try {
      const f = testFrame();
      await store.writeBatch(ingestBatch(GW1, [testRecord(1, f, T0), testRecord(2, f, T0 + 61_000)]), batchTopic(GW1));
      await store.writeBatch(ingestBatch(GW2, [testRecord(1, f, T0 + 59_000)]), batchTopic(GW2));
      assert.equal(await store.totals(), { uplinks: 2, receptions: 3, rejected: 0 });
    } finally {
      await store.close();
    }
  });

  t('owner from the record, else from the registry by DevEUI or DevAddr, else (unknown); per day', async () => {
    const owners = parseOwnerMap(
      'devices:\n  - devEui: "70b3d57ed00000aa"\n    owner: water\n    activation: { devAddr: "260000aa" }\n' +
        '  - devEui: "70b3d57ed00000bb"\n    owner: parking\n',
    );
    const store = await open({ owners });
    try {
      const day2 = T0 + 24 * 3600_000;
      await store.writeBatch(
        ingestBatch(GW1, [
          testRecord(1, testFrame({ owner: 'lighting' })),
          testRecord(2, testFrame({ owner: null, devEui: null, devAddr: '260000aa' })),
          testRecord(3, testFrame({ owner: null, devEui: null, devAddr: '260000aa' }), day2),
          testRecord(4, testFrame({ owner: null, devEui: null, devAddr: '26ffffff' })),
        ]),
        batchTopic(GW1),
      );
      assert.equal(await store.ownerDaily(), [
        { day: '2026-11-23', owner: '(unknown)', uplinks: 1, bytes: 12 },
        { day: '2026-11-23', owner: 'lighting', uplinks: 1, bytes: 12 },
        { day: '2026-11-23', owner: 'water', uplinks: 1, bytes: 12 },
        { day: '2026-11-24', owner: 'water', uplinks: 1, bytes: 12 },
      ]);
      assert.equal(await store.ownerDaily('2026-11-24'), [{ day: '2026-11-24', owner: 'water', uplinks: 1, bytes: 12 }]);
    } finally {
      await store.close();
    }
  });

  t('refused batches and records are kept in rejected; hostile text does not break the write', async () => {
    const store = await open();
    try {
      const good = testRecord(1, testFrame({ owner: 'nul\u0000owner' }));
      const batch = ingestBatch(GW1, [good]);
      batch.rejectedRecords.push({ seq: 9, reason: 'bad \u0000 reason', raw: { x: '\u0000\ud800' } });
      assert.equal(await store.writeBatch(batch, batchTopic(GW1)), { stored: 1, duplicates: 0, newUplinks: 1, rejected: 1 });
      await store.writeRejectedBatch(batchTopic(GW1), GW1, 'not JSON', Buffer.from([0, 1, 2, 0xff]));
      assert.equal(await store.totals(), { uplinks: 1, receptions: 1, rejected: 2 });
      assert.equal((await store.ownerDaily())[0].owner, 'nulowner');
    } finally {
      await store.close();
    }
  });

  t('reopening applies no migration twice', async () => {
    const a = await open();
    await a.writeBatch(ingestBatch(GW1, [testRecord(1, testFrame())]), batchTopic(GW1));
    await a.close();
    const b = await open();
    try {
      assert.equal(await b.totals(), { uplinks: 1, receptions: 1, rejected: 0 });
    } finally {
      await b.close();
    }
  });
}

export { EMPTY_OWNER_MAP };
