// check-config on clock.syncSource, through the real command line: a bad value is refused with the
// accepted spellings, file:PATH and the environment override are accepted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-edge-cli-clock-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a bad clock.syncSource is a check-config error naming the key and the accepted values', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'gateway: {id: "0016c001ff10a235"}\nclock:\n  syncSource: chrony\n  pollInterval: 10ms\n');
  const r = await runCli(['check-config', '--config', file]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /clock\.syncSource: "chrony" is not a clock sync source: use auto, timedatectl, timesyncd, always, never or file:PATH/);
  assert.match(r.stderr, /clock\.pollInterval: "10ms" is too short/);
  const empty = join(dir, 'empty-file.yaml');
  writeFileSync(empty, 'gateway: {id: "0016c001ff10a235"}\nclock: {syncSource: "file:"}\n');
  const e = await runCli(['check-config', '--config', empty]);
  assert.is(e.code, 2);
  assert.match(e.stderr, /clock\.syncSource: "file:" names no file/);
});

test('file:PATH and the environment override are accepted', async () => {
  const file = join(dir, 'ok.yaml');
  writeFileSync(file, 'gateway: {id: "0016c001ff10a235"}\nclock: {syncSource: "file:/run/lora-edge/clock"}\n');
  const r = await runCli(['check-config', '--config', file]);
  assert.is(r.code, 0, r.stderr);
  const env = await runCli(['check-config', '--config', file], { LORA_EDGE_CLOCK_SYNC_SOURCE: 'never' });
  assert.is(env.code, 0, env.stderr);
  assert.match(env.stdout, /LORA_EDGE_CLOCK_SYNC_SOURCE/);
  const badEnv = await runCli(['check-config', '--config', file], { LORA_EDGE_CLOCK_SYNC_SOURCE: 'sometimes' });
  assert.is(badEnv.code, 2);
  assert.match(badEnv.stderr, /"sometimes" is not a clock sync source/);
});

test.run();
