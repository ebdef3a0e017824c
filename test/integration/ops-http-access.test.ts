// Issue 18, item 8: the ops endpoint answers only requests whose Host header names this gateway
// (DNS rebinding sends the attacker's name, also to loopback servers) and, with a token file, only
// requests carrying the token. Real daemon, real HTTP requests with forged headers; loopback only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort, startAedes } from '../helpers/brokers.js';
import { startTestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { OpsServer } from '../../src/ops/http-server.js';
import { silentLogger } from '../../src/log.js';
import { Registry } from 'prom-client';

const dir = mkdtempSync(join(tmpdir(), 'lora-edge-ops-access-'));
const TOKEN = 'c0ffee'.repeat(8);
const tokenFile = join(dir, 'ops-token');
writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });

function request(port: number, path: string, headers: http.OutgoingHttpHeaders): Promise<{ code: number; body: string; auth?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body, auth: res.headers['www-authenticate'] as string | undefined }));
      })
      .on('error', reject);
  });
}

test('loopback without a token: only this gateway\'s names in Host are answered (DNS rebinding refused)', async () => {
  const broker = await startAedes();
  const port = await freeTcpPort();
  const daemon = await startTestDaemon(broker.url, { ops: { http: { enabled: true, bind: `127.0.0.1:${port}`, allowedHosts: ['gw-17.example.net'] } } });
  try {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`, `gw-17.example.net:${port}`, 'GW-17.Example.Net']) {
      const r = await request(port, '/status', { host });
      assert.is(r.code, 200, `Host ${host}`);
    }
    for (const host of [`rebind.attacker.example:${port}`, 'attacker.example', `127.0.0.1.attacker.example:${port}`, 'gw-17.example.net.evil', 'a b']) {
      for (const path of ['/status', '/metrics', '/healthz']) {
        const r = await request(port, path, { host });
        assert.is(r.code, 421, `Host ${host} ${path}`);
        assert.not.match(r.body, /gatewayId|lora_edge_/, 'nothing of the daemon in the refusal');
      }
    }
    // lora-edge status still works (it sends the address it connects to).
    const status = await runCli(['status', '--url', `http://127.0.0.1:${port}`]);
    assert.is(status.code, 0, status.stderr);
    assert.match(status.stdout, /^lora-edge /);
  } finally {
    await daemon.destroy();
    await broker.stop();
  }
});

test('with a token file: every path needs Authorization: Bearer <token>; lora-edge status --token-file sends it', async () => {
  const broker = await startAedes();
  const port = await freeTcpPort();
  const daemon = await startTestDaemon(broker.url, { ops: { http: { enabled: true, bind: `127.0.0.1:${port}`, tokenFile } } });
  const host = `127.0.0.1:${port}`;
  try {
    for (const path of ['/status', '/metrics', '/healthz', '/nope']) {
      const none = await request(port, path, { host });
      assert.is(none.code, 401, path);
      assert.match(none.auth ?? '', /^Bearer/);
    }
    for (const auth of [`Bearer ${TOKEN.slice(1)}`, `Bearer ${TOKEN}x`, `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, TOKEN, 'Bearer ']) {
      assert.is((await request(port, '/status', { host, authorization: auth })).code, 401, auth);
    }
    const ok = await request(port, '/status', { host, authorization: `Bearer ${TOKEN}` });
    assert.is(ok.code, 200);
    assert.ok(JSON.parse(ok.body).gatewayId);
    // The Host check comes first, token or not.
    assert.is((await request(port, '/status', { host: 'attacker.example', authorization: `Bearer ${TOKEN}` })).code, 421);

    const withToken = await runCli(['status', '--url', `http://${host}`, '--token-file', tokenFile]);
    assert.is(withToken.code, 0, withToken.stderr);
    const without = await runCli(['status', '--url', `http://${host}`]);
    assert.is(without.code, 1);
    assert.match(without.stderr, /HTTP 401.*--token-file/);
    // With --config the token file comes from ops.http.tokenFile.
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `gateway: {id: "0016c001ff10a235"}\nops: {http: {bind: "${host}", tokenFile: "${tokenFile}"}}\n`);
    const fromConfig = await runCli(['status', '--config', config, '--json']);
    assert.is(fromConfig.code, 0, fromConfig.stderr);
  } finally {
    await daemon.destroy();
    await broker.stop();
  }
});

test('the endpoint refuses to start off loopback without a token (nothing is bound)', async () => {
  const port = await freeTcpPort();
  const lines: string[] = [];
  const logger = silentLogger();
  const capture = { ...logger, error: (o: unknown, m?: string) => void lines.push(`${JSON.stringify(o)} ${m ?? ''}`) } as typeof logger;
  const server = new OpsServer({ bind: `0.0.0.0:${port}`, snapshot: () => { throw new Error('never asked'); }, registry: () => new Registry(), logger: capture });
  assert.is(await server.start(), false);
  assert.is(server.address(), undefined, 'not listening');
  assert.ok(lines.some((l) => /ops\.http\.tokenFile is required/.test(l)), lines.join('\n'));
  await server.stop();
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
