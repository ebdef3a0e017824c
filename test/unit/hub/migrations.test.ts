// Migration bookkeeping: pending ones in order, none twice, and a database from a newer lora-edge
// is refused rather than written with an older schema.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pendingMigrations, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, type Migration } from '../../../src/hub/migrations.js';

const list: Migration[] = [1, 2, 3].map((version) => ({ version, name: `m${version}`, sql: [] }));

test('pending migrations are the ones not applied, in order', () => {
  assert.equal(pendingMigrations(list, []).map((m) => m.version), [1, 2, 3]);
  assert.equal(pendingMigrations(list, [1]).map((m) => m.version), [2, 3]);
  assert.equal(pendingMigrations(list, [1, 2, 3]), []);
});

test('a database newer than this program is refused', () => {
  assert.throws(() => pendingMigrations(list, [1, 2, 3, 4]), /schema version 4, newer than this lora-edge knows \(3\)/);
});

test('both dialects have the same versions, numbered 1, 2, ... without holes', () => {
  assert.equal(POSTGRES_MIGRATIONS.map((m) => m.version), SQLITE_MIGRATIONS.map((m) => m.version));
  POSTGRES_MIGRATIONS.forEach((m, i) => assert.is(m.version, i + 1));
});

test.run();
