// The hub database port: what ingest and report need from a database, whatever the database is.
// Two adapters implement it over one SQL layer (sql-store.ts): SQLite (embedded, no server) and
// PostgreSQL (production, several ingest processes at once).
import type { IngestBatch } from './batch-input.js';

export interface BatchWriteResult {
  /** Receptions stored now. */
  stored: number;
  /** Receptions already stored (a batch sent again after a reconnect): nothing written. */
  duplicates: number;
  /** New uplink rows (the first reception of a frame). */
  newUplinks: number;
  /** Records refused (kept in `rejected`). */
  rejected: number;
}

export interface OwnerDay {
  day: string;
  owner: string;
  uplinks: number;
  bytes: number;
}

export interface StoreTotals {
  uplinks: number;
  receptions: number;
  rejected: number;
}

export interface HubStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Writes one batch in one transaction; resolves only after COMMIT. */
  writeBatch(batch: IngestBatch, topic: string): Promise<BatchWriteResult>;
  /** Keeps a refused batch (bad JSON, wrong gateway, unknown schema) with the reason. */
  writeRejectedBatch(topic: string, gatewayId: string | null, reason: string, payload: Uint8Array): Promise<void>;
  ownerDaily(day?: string): Promise<OwnerDay[]>;
  totals(): Promise<StoreTotals>;
  /** Resolves when the database answers a query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
