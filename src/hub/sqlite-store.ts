// The SQLite adapter of the hub database: embedded, no server, for a small hub or a laptop.
// WAL journal (readers never block the writer), one transaction per batch (BEGIN IMMEDIATE takes
// the write lock at once, so two ingest processes on one file wait for each other instead of
// failing half-way), synchronous=FULL so a committed batch survives a power cut before its PUBACK.
import Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { openSqlStore, type Row, type SqlConnection, type SqlSession, type SqlStoreOptions } from './sql-store.js';
import type { HubStore } from './store.js';
import { SerialQueue } from '../serial-queue.js';

export async function openSqliteStore(file: string, opts: Omit<SqlStoreOptions, 'migrations'>): Promise<HubStore> {
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (err) {
    // better-sqlite3 does not say which file: the operator needs to know.
    throw new Error(`cannot open the SQLite database ${file}: ${(err as Error).message}`);
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 30000');
  db.pragma('foreign_keys = ON');
  const statements = new Map<string, Database.Statement>();
  const run = (sql: string, params: readonly unknown[] = []): Row[] => {
    let st = statements.get(sql);
    if (!st) {
      st = db.prepare(sql);
      statements.set(sql, st);
    }
    return st.reader ? (st.all(...params) as Row[]) : (st.run(...params), []);
  };
  const session: SqlSession = { query: async (sql, params) => run(sql, params) };
  // better-sqlite3 is synchronous, but a transaction body awaits: keep one transaction at a time.
  const queue = new SerialQueue();
  const conn: SqlConnection = {
    dialect: 'sqlite',
    query: (sql, params) => queue.run(async () => run(sql, params)),
    transaction: <T>(fn: (s: SqlSession) => Promise<T>) =>
      queue.run(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const out = await fn(session);
          db.exec('COMMIT');
          return out;
        } catch (e) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw e;
        }
      }),
    withMigrationLock: (fn) => fn(),
    lockUplinkKeys: async () => undefined,
    close: async () => {
      await queue.idle();
      db.close();
    },
  };
  try {
    return await openSqlStore(conn, { ...opts, migrations: SQLITE_MIGRATIONS });
  } catch (e) {
    db.close();
    throw e;
  }
}
