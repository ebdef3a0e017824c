// The hub database on SQLite (a file in a temporary directory): the shared store cases, plus two
// processes' worth of connections on one file.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/hub/sqlite-store.js';
import { EMPTY_OWNER_MAP } from '../../src/hub/owner-map.js';
import { DEFAULT_DEDUP_WINDOW_MS } from '../../src/hub/uplink-key.js';
import { GW1, GW2, ingestBatch, storeCases } from '../helpers/hub-store-cases.js';
import { batchTopic, testFrame, testRecord } from '../helpers/hub-batches.js';

const dirs: string[] = [];
let file = '';
const s = suite('hub store: SQLite');
s.before.each(() => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-hubdb-'));
  dirs.push(dir);
  file = join(dir, 'hub.db');
});
s.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

storeCases(s, (o = {}) => openSqliteStore(file, { windowMs: o.windowMs ?? DEFAULT_DEDUP_WINDOW_MS, owners: o.owners ?? EMPTY_OWNER_MAP }));

s('the schema is versioned in schema_migrations; a newer database is refused', async () => {
  const store = await openSqliteStore(file, { windowMs: 1000, owners: EMPTY_OWNER_MAP });
  await store.close();
  const db = new Database(file);
  assert.equal(db.prepare('SELECT version FROM schema_migrations').all(), [{ version: 1 }]);
  assert.is((db.pragma('journal_mode', { simple: true }) as string).toLowerCase(), 'wal');
  db.prepare("INSERT INTO schema_migrations (version, name, applied_ms) VALUES (99, 'future', 0)").run();
  db.close();
  try {
    await openSqliteStore(file, { windowMs: 1000, owners: EMPTY_OWNER_MAP });
    assert.unreachable('opened a newer database');
  } catch (e) {
    assert.match((e as Error).message, /schema version 99/);
  }
});

// One after the other: in one process a second connection's BEGIN IMMEDIATE would wait (blocking)
// for the first's COMMIT, which needs this same event loop. Across processes SQLite's lock serialises.
s('two connections on one file (two ingest processes) write the same frame once', async () => {
  const a = await openSqliteStore(file, { windowMs: 60_000, owners: EMPTY_OWNER_MAP });
  const b = await openSqliteStore(file, { windowMs: 60_000, owners: EMPTY_OWNER_MAP });
  try {
    const f = testFrame();
    await a.writeBatch(ingestBatch(GW1, [testRecord(1, f)]), batchTopic(GW1));
    await b.writeBatch(ingestBatch(GW2, [testRecord(1, f)]), batchTopic(GW2));
    await a.writeBatch(ingestBatch(GW2, [testRecord(1, f)]), batchTopic(GW2));
    assert.equal(await a.totals(), { uplinks: 1, receptions: 2, rejected: 0 });
  } finally {
    await a.close();
    await b.close();
  }
});

s.run();
