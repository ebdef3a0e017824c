// Hub batches for the ingest tests: records as a gateway sends them (built with the real
// buildHubBatch), one frame heard by several gateways, and a per-test PostgreSQL database.
import { randomBytes } from 'node:crypto';
import type { BatchRecord, OutboxRecord } from '../../src/outbox/record.js';
import { buildHubBatch, type HubBatch } from '../../src/mqtt/hub-batch.js';

export interface TestFrame {
  devAddr: string;
  fCnt: number;
  phyPayload: string;
  owner: string | null;
  devEui: string | null;
}

let frameCounter = 0;

/** A distinct frame (distinct bytes) of a device. */
export function testFrame(opts: Partial<TestFrame> = {}): TestFrame {
  frameCounter += 1;
  const bytes = Buffer.concat([Buffer.from([0x40]), randomBytes(11)]);
  return {
    devAddr: opts.devAddr ?? '26011bda',
    fCnt: opts.fCnt ?? frameCounter,
    phyPayload: opts.phyPayload ?? bytes.toString('base64'),
    owner: opts.owner === undefined ? 'city-lighting' : opts.owner,
    devEui: opts.devEui === undefined ? '70b3d57ed0000001' : opts.devEui,
  };
}

export function testRecord(seq: number, frame: TestFrame, capturedMs = Date.parse('2026-11-23T10:15:02.071Z'), rssi = -71): OutboxRecord {
  return {
    seq,
    capturedAt: new Date(capturedMs).toISOString(),
    radio: {
      source: 'udp', frequency: 868100000, modulation: 'LORA', spreadingFactor: 7, bandwidth: 125000, codeRate: '4/5',
      fskDatarate: null, rssi, snr: 9.5, channel: 0, rfChain: 0, crc: 'ok', counterUs: 1, gwTime: null,
    },
    phyPayload: frame.phyPayload,
    lorawan: {
      mType: 'UnconfirmedDataUp', devAddr: frame.devAddr, fCnt: frame.fCnt, fPort: 10, adr: false, ack: false,
      micValid: frame.devEui ? true : null, fCntReplay: false, joinEui: null, devEui: null, devNonce: null, parseError: null,
    },
    device: frame.devEui && frame.owner ? { devEui: frame.devEui, name: 'lamp', profile: 'nasys-ul20xx', owner: frame.owner } : null,
    decoded: null,
  };
}

export function testBatch(gatewayId: string, records: OutboxRecord[], nowMs = Date.parse('2026-11-23T10:15:03Z')): HubBatch {
  return buildHubBatch(gatewayId, records, nowMs, nowMs - 60_000);
}

export function batchTopic(gatewayId: string, prefix = 'eu868'): string {
  return `${prefix}/gateway/${gatewayId}/hub/batch`;
}

export function batchPayload(batch: HubBatch | (Omit<HubBatch, 'schemaVersion' | 'records'> & { schemaVersion: number; records: Array<BatchRecord | Record<string, unknown>> })): Buffer {
  return Buffer.from(JSON.stringify(batch));
}

/** A fresh database on the test PostgreSQL server (LORA_EDGE_PG_URL); drop() removes it. */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const pg = (await import('pg')).default;
  const name = `lora_edge_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
