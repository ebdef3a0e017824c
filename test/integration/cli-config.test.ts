// check-config, print-config and run refusing a bad config, through the real command line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lora-edge-cli-'));

test('print-config prints a template that check-config accepts', async () => {
  const printed = await runCli(['print-config']);
  assert.is(printed.code, 0);
  assert.match(printed.stdout, /^# lora-edge configuration/);
  const file = join(dir, 'template.yaml');
  writeFileSync(file, printed.stdout);
  const checked = await runCli(['check-config', '--config', file]);
  assert.is(checked.code, 0, checked.stderr);
  assert.match(checked.stdout, /configuration is valid/);
});

test('check-config lists every problem with its key path and exits 2', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'gateway:\n  id: "12"\nmqtt:\n  url: "http://x"\n  marshaler: xml\nstorage:\n  sync: maybe\n');
  const r = await runCli(['check-config', '--config', file]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /3 problems|4 problems/);
  assert.match(r.stderr, /gateway\.id: must be an EUI-64/);
  assert.match(r.stderr, /mqtt\.url: must start with mqtt:\/\//);
  assert.match(r.stderr, /mqtt\.marshaler:/);
  assert.match(r.stderr, /storage\.sync:/);
  assert.not.match(r.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('run refuses a bad config before opening anything', async () => {
  const storage = join(dir, 'never-created');
  const file = join(dir, 'bad-run.yaml');
  writeFileSync(file, `gateway: {id: "0016c001ff10a235"}\nstorage: {dir: "${storage}"}\nsources: [{type: udp, bind: "127.0.0.1:99999"}]\n`);
  const r = await runCli(['run', '--config', file]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /sources\[0\]\.bind: port must be between 1 and 65535/);
  assert.not.ok(existsSync(storage), 'the outbox directory was not created');
});

test('a missing config file says how to make one', async () => {
  const r = await runCli(['check-config', '--config', join(dir, 'nope.yaml')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /lora-edge print-config >/);
});

test('environment overrides are applied and reported', async () => {
  const file = join(dir, 'ok.yaml');
  writeFileSync(file, 'gateway: {id: "0016c001ff10a235"}\n');
  const r = await runCli(['check-config', '--config', file], { LORA_EDGE_MQTT_TOPIC_PREFIX: 'us915' });
  assert.is(r.code, 0);
  assert.match(r.stdout, /LORA_EDGE_MQTT_TOPIC_PREFIX/);
  const bad = await runCli(['check-config', '--config', file], { LORA_EDGE_BATCH_INFLIGHT: 'lots' });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /LORA_EDGE_BATCH_INFLIGHT: "lots" is not a number/);
});

test('unknown command and bad usage exit 2', async () => {
  assert.is((await runCli(['frobnicate'])).code, 2);
  const r = await runCli(['check-config', '--bogus']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /Unknown option '--bogus'/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
