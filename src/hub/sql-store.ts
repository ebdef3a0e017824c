// The hub database logic once, over a minimal SQL connection that each adapter provides: the
// migrations, one transaction per batch, the exactly-once rules and the accounting queries.
//
// Exactly once, per record, inside the batch's transaction:
//   1. (gatewayId, seq) already in `receptions`: a batch sent again; nothing is written.
//   2. Otherwise find the uplink with the same key captured within the window, or create it.
//   3. Insert the reception (ON CONFLICT DO NOTHING: the primary key is the last word), and count
//      the extra gateway on the uplink.
// Steps 1 and 2 read the whole batch's receptions and candidate uplinks in one query each.
// Two writers creating the same uplink at once (one frame heard by three gateways, three batches,
// three ingest processes) are serialised by a per-key lock taken before step 2: PostgreSQL advisory
// transaction locks, taken in lock-id order so two batches cannot deadlock; SQLite has one writer
// at a time anyway (BEGIN IMMEDIATE).
import type { IngestBatch } from './batch-input.js';
import { pendingMigrations, SCHEMA_MIGRATIONS_TABLE, type Migration } from './migrations.js';
import type { OwnerMap } from './owner-map.js';
import type { BatchWriteResult, HubStore, OwnerDay, StoreTotals } from './store.js';
import { accountingDay, uplinkKey, uplinkLockId } from './uplink-key.js';

export type Row = Record<string, unknown>;

/** One connection inside a transaction; SQL uses `?` placeholders (the PostgreSQL adapter renumbers them). */
export interface SqlSession {
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface SqlConnection extends SqlSession {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (s: SqlSession) => Promise<T>): Promise<T>;
  /** Serialises schema changes between processes starting at the same moment. */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Takes the per-uplink locks (in the order given) until the transaction ends; SQLite: nothing. */
  lockUplinkKeys(s: SqlSession, lockIds: readonly bigint[]): Promise<void>;
  close(): Promise<void>;
}

export interface SqlStoreOptions {
  migrations: readonly Migration[];
  windowMs: number;
  owners: OwnerMap;
  now?: () => number;
}

/** Text columns refuse NUL characters (PostgreSQL); hostile input must not turn into a write error. */
function clean(s: string | null): string | null {
  return s === null ? null : s.replace(/\u0000/g, '');
}

const num = (v: unknown): number => Number(v);

/** Lists cut to a size every SQLite and PostgreSQL accepts as bound parameters. */
function chunks<T>(items: T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const marks = (n: number) => new Array(n).fill('?').join(', ');

export async function openSqlStore(conn: SqlConnection, opts: SqlStoreOptions): Promise<HubStore> {
  const now = opts.now ?? Date.now;
  await conn.withMigrationLock(() =>
    conn.transaction(async (s) => {
      await s.query(SCHEMA_MIGRATIONS_TABLE);
      const applied = (await s.query('SELECT version FROM schema_migrations')).map((r) => num(r.version));
      for (const m of pendingMigrations(opts.migrations, applied)) {
        for (const sql of m.sql) await s.query(sql);
        await s.query('INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)', [m.version, m.name, now()]);
      }
    }),
  );

  const insertRejected = (s: SqlSession, topic: string, gatewayId: string | null, seq: number | null, reason: string, content: string) =>
    s.query('INSERT INTO rejected (topic, gateway_id, seq, reason, content, stored_ms) VALUES (?, ?, ?, ?, ?, ?)', [
      clean(topic.slice(0, 1024)),
      clean(gatewayId),
      seq,
      clean(reason.slice(0, 1024)),
      content,
      now(),
    ]);

  return {
    dialect: conn.dialect,

    writeBatch(batch: IngestBatch, topic: string): Promise<BatchWriteResult> {
      const keyed = batch.records.map((r) => ({ r, key: uplinkKey(r) }));
      const lockIds = [...new Set(keyed.map((k) => uplinkLockId(k.key)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return conn.transaction(async (s) => {
        const result: BatchWriteResult = { stored: 0, duplicates: 0, newUplinks: 0, rejected: 0 };
        await conn.lockUplinkKeys(s, lockIds);
        // Read after the locks: an uplink another writer created for these keys is committed by now.
        const seen = new Set<number>();
        for (const seqs of chunks([...new Set(keyed.map((k) => k.r.seq))])) {
          const rows = await s.query(`SELECT seq FROM receptions WHERE gateway_id = ? AND seq IN (${marks(seqs.length)})`, [batch.gatewayId, ...seqs]);
          for (const row of rows) seen.add(num(row.seq));
        }
        const uplinksByKey = new Map<string, Array<{ id: unknown; capturedMs: number }>>();
        for (const keys of chunks([...new Set(keyed.map((k) => k.key))])) {
          const rows = await s.query(`SELECT id, dedup_key, captured_ms FROM uplinks WHERE dedup_key IN (${marks(keys.length)})`, keys);
          for (const row of rows) {
            const list = uplinksByKey.get(String(row.dedup_key)) ?? [];
            list.push({ id: row.id, capturedMs: num(row.captured_ms) });
            uplinksByKey.set(String(row.dedup_key), list);
          }
        }
        for (const { r, key } of keyed) {
          if (seen.has(r.seq)) {
            result.duplicates += 1;
            continue;
          }
          seen.add(r.seq);
          const owner = clean(r.owner ?? opts.owners.ownerOf(r.devEui, r.devAddr));
          const list = uplinksByKey.get(key) ?? [];
          const found = list
            .filter((u) => Math.abs(u.capturedMs - r.capturedMs) <= opts.windowMs)
            .sort((x, y) => x.capturedMs - y.capturedMs)[0];
          if (!found) {
            const created = await s.query(
              'INSERT INTO uplinks (dedup_key, dev_eui, dev_addr, fcnt, m_type, owner, payload_bytes, phy_payload, captured_ms, day, gateways) ' +
                'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id',
              [key, r.devEui, r.devAddr, r.fCnt, clean(r.mType), owner, r.payloadBytes, r.phyPayload, r.capturedMs, accountingDay(r.capturedMs)],
            );
            list.push({ id: created[0].id, capturedMs: r.capturedMs });
            uplinksByKey.set(key, list);
            result.newUplinks += 1;
          }
          const uplinkId = found ? found.id : list[list.length - 1].id;
          const inserted = await s.query(
            'INSERT INTO receptions (gateway_id, seq, uplink_id, captured_ms, rssi, snr, frequency, schema_version, record, stored_ms) ' +
              'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING seq',
            [batch.gatewayId, r.seq, uplinkId, r.capturedMs, r.rssi, r.snr, r.frequency, batch.schemaVersion, JSON.stringify(r.raw), now()],
          );
          if (inserted.length === 0) {
            // Only reachable if the key lock was bypassed: the primary key had the last word.
            result.duplicates += 1;
            continue;
          }
          result.stored += 1;
          if (found) {
            // The uplink's time (and so its accounting day) is its earliest reception; owner the first known.
            const capturedMs = Math.min(found.capturedMs, r.capturedMs);
            found.capturedMs = capturedMs;
            await s.query('UPDATE uplinks SET gateways = gateways + 1, captured_ms = ?, day = ?, owner = COALESCE(owner, ?) WHERE id = ?', [
              capturedMs,
              accountingDay(capturedMs),
              owner,
              uplinkId,
            ]);
          }
        }
        for (const bad of batch.rejectedRecords) {
          let content: string;
          try {
            content = JSON.stringify(bad.raw)?.slice(0, 65536) ?? 'undefined';
          } catch {
            content = '(not serialisable)';
          }
          await insertRejected(s, topic, batch.gatewayId, bad.seq, bad.reason, content);
          result.rejected += 1;
        }
        return result;
      });
    },

    async writeRejectedBatch(topic, gatewayId, reason, payload) {
      const content = Buffer.from(payload.subarray(0, 65536)).toString('base64');
      await conn.transaction((s) => insertRejected(s, topic, gatewayId, null, reason, content));
    },

    async ownerDaily(day?: string): Promise<OwnerDay[]> {
      const rows = day
        ? await conn.query('SELECT day, owner, uplinks, bytes FROM owner_daily WHERE day = ? ORDER BY day, owner', [day])
        : await conn.query('SELECT day, owner, uplinks, bytes FROM owner_daily ORDER BY day, owner');
      return rows.map((r) => ({ day: String(r.day), owner: String(r.owner), uplinks: num(r.uplinks), bytes: num(r.bytes) }));
    },

    async totals(): Promise<StoreTotals> {
      const [u] = await conn.query('SELECT COUNT(*) AS n FROM uplinks');
      const [r] = await conn.query('SELECT COUNT(*) AS n FROM receptions');
      const [j] = await conn.query('SELECT COUNT(*) AS n FROM rejected');
      return { uplinks: num(u.n), receptions: num(r.n), rejected: num(j.n) };
    },

    async ping() {
      await conn.query('SELECT 1 AS x');
    },

    close: () => conn.close(),
  };
}
