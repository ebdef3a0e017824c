// The PostgreSQL adapter of the hub database: the production choice, shared by several ingest
// processes. One transaction per batch on one pooled connection; the primary key on
// (gateway_id, seq) with ON CONFLICT DO NOTHING and per-uplink advisory locks do the de-duplication
// (sql-store.ts). A lost connection fails the batch (no PUBACK, the broker sends it again) and the
// pool opens a new one; it never crashes the process.
import pg from 'pg';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { openSqlStore, type Row, type SqlConnection, type SqlSession, type SqlStoreOptions } from './sql-store.js';
import type { HubStore } from './store.js';

/** Any fixed number: the advisory lock the migrating process holds while others wait. */
const MIGRATION_LOCK_ID = 0x6c6f7261;

/** `?` placeholders to PostgreSQL's `$1, $2, ...` (our SQL has no `?` inside literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export async function openPostgresStore(
  url: string,
  opts: Omit<SqlStoreOptions, 'migrations'> & { onError?: (e: Error) => void; poolSize?: number },
): Promise<HubStore> {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 3, connectionTimeoutMillis: 10_000 });
  // An idle connection dropped by the server must not be an unhandled 'error' (a crash).
  pool.on('error', (e) => opts.onError?.(e));
  const sqlOf = new Map<string, string>();
  const text = (sql: string) => {
    let t = sqlOf.get(sql);
    if (t === undefined) sqlOf.set(sql, (t = numberPlaceholders(sql)));
    return t;
  };
  const on = (c: pg.PoolClient | pg.Pool): SqlSession => ({
    query: async (sql, params = []) => (await c.query(text(sql), params as unknown[])).rows as Row[],
  });
  const conn: SqlConnection = {
    dialect: 'postgres',
    query: (sql, params) => on(pool).query(sql, params),
    async transaction(fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const out = await fn(on(client));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw e;
      } finally {
        client.release(broken);
      }
    },
    async withMigrationLock(fn) {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
        client.release();
      }
    },
    async lockUplinkKeys(s, lockIds) {
      if (lockIds.length === 0) return;
      // One statement, taken in the order given (sorted by the caller): PostgreSQL evaluates a
      // volatile function in the select list after the ORDER BY.
      await s.query('SELECT pg_advisory_xact_lock(t.id) FROM unnest(?::bigint[]) WITH ORDINALITY AS t(id, n) ORDER BY t.n', [
        lockIds.map((id) => id.toString()),
      ]);
    },
    close: () => pool.end(),
  };
  try {
    return await openSqlStore(conn, { ...opts, migrations: POSTGRES_MIGRATIONS });
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
}
