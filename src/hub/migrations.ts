// The hub database schema, versioned: each migration is applied once, in order, inside a
// transaction, and recorded in `schema_migrations`. Never edit a released migration; add one.
// One list per dialect, kept side by side so a change is made to both.

export interface Migration {
  version: number;
  name: string;
  sql: string[];
}

const OWNER_DAILY_VIEW =
  "CREATE VIEW owner_daily AS SELECT day, COALESCE(owner, '(unknown)') AS owner, COUNT(*) AS uplinks, SUM(payload_bytes) AS bytes " +
  "FROM uplinks GROUP BY day, COALESCE(owner, '(unknown)')";

export const POSTGRES_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'uplinks, receptions, rejected, owner_daily',
    sql: [
      `CREATE TABLE uplinks (
        id BIGSERIAL PRIMARY KEY,
        dedup_key TEXT NOT NULL,
        dev_eui TEXT, dev_addr TEXT, fcnt BIGINT, m_type TEXT, owner TEXT,
        payload_bytes INTEGER NOT NULL,
        phy_payload TEXT NOT NULL,
        captured_ms BIGINT NOT NULL,
        day TEXT NOT NULL,
        gateways INTEGER NOT NULL DEFAULT 1)`,
      'CREATE INDEX uplinks_dedup ON uplinks (dedup_key, captured_ms)',
      'CREATE INDEX uplinks_day_owner ON uplinks (day, owner)',
      `CREATE TABLE receptions (
        gateway_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        uplink_id BIGINT NOT NULL REFERENCES uplinks (id),
        captured_ms BIGINT NOT NULL,
        rssi DOUBLE PRECISION, snr DOUBLE PRECISION, frequency BIGINT,
        schema_version INTEGER NOT NULL,
        record JSON NOT NULL,
        stored_ms BIGINT NOT NULL,
        PRIMARY KEY (gateway_id, seq))`,
      'CREATE INDEX receptions_uplink ON receptions (uplink_id)',
      `CREATE TABLE rejected (
        id BIGSERIAL PRIMARY KEY,
        topic TEXT NOT NULL, gateway_id TEXT, seq BIGINT,
        reason TEXT NOT NULL, content TEXT NOT NULL,
        stored_ms BIGINT NOT NULL)`,
      OWNER_DAILY_VIEW,
    ],
  },
];

export const SQLITE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'uplinks, receptions, rejected, owner_daily',
    sql: [
      `CREATE TABLE uplinks (
        id INTEGER PRIMARY KEY,
        dedup_key TEXT NOT NULL,
        dev_eui TEXT, dev_addr TEXT, fcnt INTEGER, m_type TEXT, owner TEXT,
        payload_bytes INTEGER NOT NULL,
        phy_payload TEXT NOT NULL,
        captured_ms INTEGER NOT NULL,
        day TEXT NOT NULL,
        gateways INTEGER NOT NULL DEFAULT 1)`,
      'CREATE INDEX uplinks_dedup ON uplinks (dedup_key, captured_ms)',
      'CREATE INDEX uplinks_day_owner ON uplinks (day, owner)',
      `CREATE TABLE receptions (
        gateway_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        uplink_id INTEGER NOT NULL REFERENCES uplinks (id),
        captured_ms INTEGER NOT NULL,
        rssi REAL, snr REAL, frequency INTEGER,
        schema_version INTEGER NOT NULL,
        record TEXT NOT NULL,
        stored_ms INTEGER NOT NULL,
        PRIMARY KEY (gateway_id, seq)) WITHOUT ROWID`,
      'CREATE INDEX receptions_uplink ON receptions (uplink_id)',
      `CREATE TABLE rejected (
        id INTEGER PRIMARY KEY,
        topic TEXT NOT NULL, gateway_id TEXT, seq INTEGER,
        reason TEXT NOT NULL, content TEXT NOT NULL,
        stored_ms INTEGER NOT NULL)`,
      OWNER_DAILY_VIEW,
    ],
  },
];

export const SCHEMA_MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)';

/** The migrations not yet applied, in order; refuses a database newer than this program. */
export function pendingMigrations(all: readonly Migration[], applied: readonly number[]): Migration[] {
  const latest = all.length ? all[all.length - 1].version : 0;
  const newest = Math.max(0, ...applied);
  if (newest > latest) {
    throw new Error(`the database has schema version ${newest}, newer than this lora-edge knows (${latest}): upgrade lora-edge`);
  }
  const done = new Set(applied);
  return all.filter((m) => !done.has(m.version));
}
