// `lora-edge hub` as an operator runs it: usage errors exit 2 with a message, and `hub report` reads
// what the ingest wrote (table and JSON, one day or all).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_OWNER_MAP } from '../../src/hub/owner-map.js';
import { openSqliteStore } from '../../src/hub/sqlite-store.js';
import { runCli } from '../helpers/cli.js';
import { batchTopic, testFrame, testRecord } from '../helpers/hub-batches.js';
import { GW1, ingestBatch } from '../helpers/hub-store-cases.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-edge-hub-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('usage errors exit 2 and say what is wrong', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['hub'], /usage: lora-edge hub ingest/],
    [['hub', 'nope'], /unknown hub command "nope"/],
    [['hub', 'ingest', '--db', 'sqlite:x.db'], /--url is required/],
    [['hub', 'ingest', '--url', 'http://x', '--db', 'sqlite:x.db'], /--url must start with mqtt/],
    [['hub', 'ingest', '--url', 'mqtt://127.0.0.1:1', '--db', 'mysql://x'], /--db: database URL must be/],
    [['hub', 'ingest', '--url', 'mqtt://127.0.0.1:1', '--db', 'sqlite:x.db', '--protocol', '4'], /--group needs --protocol 5/],
    [['hub', 'ingest', '--url', 'mqtt://127.0.0.1:1', '--db', 'sqlite:x.db', '--group', 'a/b'], /must not contain/],
    [['hub', 'ingest', '--url', 'mqtt://127.0.0.1:1', '--db', 'sqlite:x.db', '--registry', join(dir, 'missing.yaml')], /--registry: .*ENOENT/],
    [['hub', 'report', '--db', 'sqlite:x.db', '--day', '23.11.2026'], /--day must be YYYY-MM-DD/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('hub report prints uplinks and bytes per owner per day, as a table or JSON', async () => {
  const file = join(dir, 'hub.db');
  const store = await openSqliteStore(file, { windowMs: 600_000, owners: EMPTY_OWNER_MAP });
  await store.writeBatch(
    ingestBatch(GW1, [testRecord(1, testFrame({ owner: 'water' })), testRecord(2, testFrame({ owner: 'water' })), testRecord(3, testFrame({ owner: 'light' }))]),
    batchTopic(GW1),
  );
  await store.close();
  const table = await runCli(['hub', 'report', '--db', `sqlite:${file}`]);
  assert.is(table.code, 0, table.stderr);
  assert.match(table.stdout, /2026-11-23\s+light\s+1\s+12\n2026-11-23\s+water\s+2\s+24\n/);
  const json = await runCli(['hub', 'report', '--db', `sqlite:${file}`, '--day', '2026-11-23', '--json']);
  assert.equal(JSON.parse(json.stdout), [
    { day: '2026-11-23', owner: 'light', uplinks: 1, bytes: 12 },
    { day: '2026-11-23', owner: 'water', uplinks: 2, bytes: 24 },
  ]);
  const none = await runCli(['hub', 'report', '--db', `sqlite:${file}`, '--day', '2026-01-01']);
  assert.match(none.stdout, /no uplinks on 2026-01-01/);
});

test('a SQLite file that cannot be opened is named in the error', async () => {
  const r = await runCli(['hub', 'report', '--db', `sqlite:${join(dir, 'no-such-dir', 'hub.db')}`]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /cannot open the SQLite database .*no-such-dir\/hub\.db: .*directory does not exist/);
  assert.not.match(r.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test.run();
