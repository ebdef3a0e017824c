// mqtts:// with a CA file, username and a password file, against a TLS broker that checks them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { Aedes } from 'aedes';
import { freeUdpPort } from '../helpers/daemon.js';
import { App } from '../../src/app/app.js';
import { silentLogger } from '../../src/log.js';
import { validateConfig, readMqttPassword } from '../../src/config/load.js';

test('TLS with CA, username and passwordFile; a wrong password is refused and retried', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  writeFileSync(join(dir, 'password'), 's3cret\n', { mode: 0o600 });
  const broker = await Aedes.createBroker();
  const attempts: Array<{ user?: string; pass?: string }> = [];
  broker.authenticate = (_client, username, password, done) => {
    attempts.push({ user: username, pass: password?.toString() });
    done(null, username === 'gw-1' && password?.toString() === 's3cret');
  };
  const server = tls.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (s) => broker.handle(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const mqttConfig = { url: `mqtts://127.0.0.1:${port}`, ca: join(dir, 'cert.pem'), username: 'gw-1', passwordFile: join(dir, 'password') };
  const { config } = validateConfig({ gateway: { id: '0016c001ff10a235' }, mqtt: mqttConfig }, 't', {});
  assert.is(readMqttPassword(config, {}), 's3cret', 'trailing newline trimmed');
  assert.is(readMqttPassword(config, { LORA_EDGE_MQTT_PASSWORD: 'fromenv' }), 'fromenv', 'the environment wins');

  // The password reaches the app the way `lora-edge run` passes it.
  const raw = {
    gateway: { id: '0016c001ff10a235' },
    mqtt: { ...mqttConfig, reconnectMin: '100ms', reconnectMax: '200ms' },
    storage: { dir: join(dir, 'data') },
    ops: { http: { enabled: false } },
    sources: [{ type: 'udp', bind: `127.0.0.1:${await freeUdpPort()}` }],
  };
  const cfg = validateConfig(raw, 't', {}).config;
  const app = new App({ config: cfg, logger: silentLogger(), mqttPassword: readMqttPassword(cfg, {}) });
  await app.start();
  try {
    const deadline = Date.now() + 5000;
    while (!app.hub!.online && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(app.hub!.online, 'connected over TLS with the right credentials');
    assert.equal(attempts.at(-1), { user: 'gw-1', pass: 's3cret' });
  } finally {
    await app.stop();
  }

  const wrong = new App({ config: { ...cfg, storage: { ...cfg.storage, dir: join(dir, 'data2') }, sources: [{ type: 'udp', bind: `127.0.0.1:${await freeUdpPort()}` }] }, logger: silentLogger(), mqttPassword: 'nope' });
  await wrong.start();
  try {
    await new Promise((r) => setTimeout(r, 1000));
    assert.not.ok(wrong.hub!.online, 'refused');
    assert.ok(attempts.filter((a) => a.pass === 'nope').length >= 2, 'and retried with back-off, not given up');
  } finally {
    await wrong.stop();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
