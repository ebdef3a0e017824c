// The sync sources: spec parsing (what check-config refuses), timedatectl's and the flag file's
// answers, a timedatectl that fails or is missing (unknown, never a throw), and the file: source.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSyncSource, parseSyncFile, parseSyncSourceSpec, parseTimedatectl } from '../../../src/clock/sync-source.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-edge-clock-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for timedatectl: prints `out` (checks it was asked the right question) and exits with `code`. */
function fakeTimedatectl(name: string, out: string, code = 0): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n[ "$*" = "show -p NTPSynchronized --value" ] || { echo "bad args: $*" >&2; exit 9; }\necho "${out}"\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

test('specs: the fixed names and file:PATH; anything else is refused with the accepted list', () => {
  for (const k of ['auto', 'timedatectl', 'timesyncd', 'always', 'never']) assert.equal(parseSyncSourceSpec(k), { kind: k });
  assert.equal(parseSyncSourceSpec('file:/run/clock-ok'), { kind: 'file', path: '/run/clock-ok' });
  for (const bad of ['', 'ntp', 'Auto', 'file:', 'file:  ', 'timedatectl ']) {
    const r = parseSyncSourceSpec(bad);
    assert.type(r, 'string', bad);
  }
  assert.match(parseSyncSourceSpec('chrony') as string, /auto, timedatectl, timesyncd, always, never or file:PATH/);
});

test('timedatectl output: yes, no, anything else unknown', () => {
  assert.equal(parseTimedatectl('yes\n'), { synced: true, offsetMs: 0 });
  assert.equal(parseTimedatectl('no\n'), { synced: false, offsetMs: 0 });
  const odd = parseTimedatectl('maybe\n');
  assert.is(odd.synced, null);
  assert.match(odd.problem!, /maybe/);
});

test('file content: state, optional offsetMs, bad words are unknown', () => {
  assert.equal(parseSyncFile('yes\n'), { synced: true, offsetMs: 0 });
  assert.equal(parseSyncFile('no offsetMs=-86400000'), { synced: false, offsetMs: -86_400_000 });
  assert.is(parseSyncFile('unknown').synced, null);
  for (const bad of ['', 'true', 'yes offset=5', 'no offsetMs=1.5', 'no offsetMs=99999999999999999', 'yes offsetMs=']) {
    const r = parseSyncFile(bad);
    assert.is(r.synced, null, bad);
    assert.is(r.offsetMs, 0, bad);
    assert.ok(r.problem, bad);
  }
});

test('timedatectl source: asks the right question; a failing or missing command is unknown', async () => {
  assert.equal(await createSyncSource('timedatectl', { timedatectl: fakeTimedatectl('yes.sh', 'yes') }).read(), { synced: true, offsetMs: 0 });
  assert.equal(await createSyncSource('timedatectl', { timedatectl: fakeTimedatectl('no.sh', 'no') }).read(), { synced: false, offsetMs: 0 });
  const failing = await createSyncSource('timedatectl', { timedatectl: fakeTimedatectl('fail.sh', 'x', 1) }).read();
  assert.is(failing.synced, null);
  const missing = await createSyncSource('timedatectl', { timedatectl: join(dir, 'no-such-command') }).read();
  assert.is(missing.synced, null);
  assert.match(missing.problem!, /ENOENT/);
});

test('timedatectl runs without the systemd notify socket in its environment (it would report its own errors there)', async () => {
  const path = join(dir, 'notify-check.sh');
  writeFileSync(path, '#!/bin/sh\n[ -z "$NOTIFY_SOCKET" ] && echo yes || echo "NOTIFY_SOCKET=$NOTIFY_SOCKET"\n');
  chmodSync(path, 0o755);
  process.env.NOTIFY_SOCKET = '/run/systemd/notify';
  try {
    assert.equal(await createSyncSource('timedatectl', { timedatectl: path }).read(), { synced: true, offsetMs: 0 });
  } finally {
    delete process.env.NOTIFY_SOCKET;
  }
});

test('timesyncd source: the flag file present is yes, absent is no', async () => {
  const flag = join(dir, 'synchronized');
  const source = createSyncSource('timesyncd', { timesyncdFlag: flag });
  assert.is((await source.read()).synced, false);
  writeFileSync(flag, '');
  assert.is((await source.read()).synced, true);
  rmSync(flag);
});

test('auto: the flag file answers yes cheaply; else timedatectl; without either, unknown', async () => {
  const flag = join(dir, 'auto-flag');
  const noTimedatectl = join(dir, 'absent-timedatectl');
  writeFileSync(flag, '');
  assert.is((await createSyncSource('auto', { timesyncdFlag: flag, timedatectl: noTimedatectl }).read()).synced, true);
  rmSync(flag);
  assert.is((await createSyncSource('auto', { timesyncdFlag: flag, timedatectl: fakeTimedatectl('auto-no.sh', 'no') }).read()).synced, false);
  const unknown = await createSyncSource('auto', { timesyncdFlag: flag, timedatectl: noTimedatectl }).read();
  assert.is(unknown.synced, null);
  assert.ok(unknown.problem);
});

test('fixed sources and the file source; a missing file is unknown', async () => {
  assert.is((await createSyncSource('always').read()).synced, true);
  assert.is((await createSyncSource('never').read()).synced, false);
  const path = join(dir, 'clock-state');
  const source = createSyncSource(`file:${path}`);
  assert.match((await source.read()).problem!, /ENOENT/);
  writeFileSync(path, 'no offsetMs=-5000\n');
  assert.equal(await source.read(), { synced: false, offsetMs: -5000 });
  assert.throws(() => createSyncSource('ntp'), /not a clock sync source/);
});

test.run();
