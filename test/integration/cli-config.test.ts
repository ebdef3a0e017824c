// check-config, print-config and run refusing a bad config, through the real command line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { DEMO_FLEET, demoRegistryYaml } from '../../src/testing/device-payloads.js';

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

const profileYaml = (id: string, codec: string) =>
  `id: ${id}\nvendor: Acme\nmodel: ${id}\ncategory: air\ncodec: ${codec}\nfPorts: [3]\nclass: A\nregion: EU868\ndescription: a test profile\n`;

test('check-config loads the profiles\' JavaScript codecs in the sandbox and names one that does not load', async () => {
  const profiles = join(dir, 'profiles');
  mkdirSync(profiles, { recursive: true });
  writeFileSync(join(profiles, 'acme-good.yaml'), profileYaml('acme-good', 'good.js'));
  writeFileSync(join(profiles, 'good.js'), 'function decodeUplink(input) { return { data: { n: input.bytes.length } }; }\n');
  const file = join(dir, 'codecs.yaml');
  writeFileSync(file, `gateway: {id: "0016c001ff10a235"}\ndevices: {profilesDir: "${profiles}"}\n`);
  const good = await runCli(['check-config', '--config', file]);
  assert.is(good.code, 0, good.stderr);

  writeFileSync(join(profiles, 'acme-typo.yaml'), profileYaml('acme-typo', 'typo.js'));
  writeFileSync(join(profiles, 'typo.js'), 'function decodeUplink(input) { return { data: { n: input.bytes.length } ;\n');
  const bad = await runCli(['check-config', '--config', file]);
  assert.is(bad.code, 2, bad.stdout);
  assert.match(bad.stderr, /acme-typo\.yaml: codec: .*typo\.js/);
  assert.match(bad.stderr, /instead of decoded data/);
  assert.not.match(bad.stderr, /acme-good/);
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

test('check-config loads the device registry and profiles as the daemon does (issue 18 case 2)', async () => {
  const registry = join(dir, 'devices.yaml');
  writeFileSync(registry, demoRegistryYaml([DEMO_FLEET[0]]).replace(`name: ${DEMO_FLEET[0].name}`, 'name: *room'), { mode: 0o600 });
  const file = join(dir, 'with-registry.yaml');
  writeFileSync(file, `gateway: {id: "0016c001ff10a235"}\ndevices: {registry: "${registry}"}\n`);
  const typo = await runCli(['check-config', '--config', file]);
  assert.is(typo.code, 2, typo.stdout);
  assert.ok(typo.stderr.includes(`${registry} [line 4]: not valid YAML: alias *room refers to no anchor`), typo.stderr);
  assert.not.match(typo.stdout, /configuration is valid/);

  writeFileSync(registry, demoRegistryYaml([DEMO_FLEET[0]]), { mode: 0o600 });
  const fine = await runCli(['check-config', '--config', file]);
  assert.is(fine.code, 0, fine.stderr);

  const profiles = join(dir, 'profiles');
  mkdirSync(profiles, { recursive: true });
  writeFileSync(join(profiles, 'lamp.yaml'), 'id: acme-lamp\nvendor: Acme\n');
  writeFileSync(file, `gateway: {id: "0016c001ff10a235"}\ndevices: {registry: "${registry}", profilesDir: "${profiles}"}\n`);
  const badProfile = await runCli(['check-config', '--config', file]);
  assert.is(badProfile.code, 2);
  assert.ok(badProfile.stderr.includes(`${join(profiles, 'lamp.yaml')} [line 1]: model: is required`), badProfile.stderr);
});

test('check-config refuses what run could not use: a 30d publish timeout from the environment, Mars/Phobos', async () => {
  const file = join(dir, 'ok-env.yaml');
  writeFileSync(file, 'gateway: {id: "0016c001ff10a235"}\n');
  const r = await runCli(['check-config', '--config', file], { LORA_EDGE_MQTT_PUBLISH_TIMEOUT: '30d', LORA_EDGE_OPS_TIMEZONE: 'Mars/Phobos' });
  assert.is(r.code, 2);
  assert.match(r.stderr, /mqtt\.publishTimeout \(from LORA_EDGE_MQTT_PUBLISH_TIMEOUT\): "30d" is too long: at most 24d 20h 31m 23\.647s/);
  assert.match(r.stderr, /ops\.timezone \(from LORA_EDGE_OPS_TIMEZONE\): is not a time zone/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
