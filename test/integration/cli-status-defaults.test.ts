// `lora-edge status` with no flags: the default ops address first, then the default configuration
// file's address (and token), and a list of what it tried when nothing answers. `npm start` (the
// demo) prints the technician page's address among its first lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { startAedes, freeTcpPort } from '../helpers/brokers.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { statusCommand } from '../../src/tools/status.js';

/** Runs the command in-process with stdout and stderr captured. */
async function status(args: string[], defaults: { url: string; configPath: string }): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string) => ((out += c), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => ((err += c), true)) as typeof process.stderr.write;
  try {
    const code = await statusCommand(args, defaults);
    return { code, out, err };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

test('no flags: a daemon on the default address answers, no configuration file read', async () => {
  const broker = await startAedes();
  const port = await freeTcpPort();
  const daemon = await startTestDaemon(broker.url, { ops: { http: { enabled: true, bind: `127.0.0.1:${port}` } } });
  try {
    const r = await status([], { url: `http://127.0.0.1:${port}`, configPath: '/nonexistent/lora-edge/config.yaml' });
    assert.is(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`gateway ${TEST_GATEWAY_ID}`));
  } finally {
    await daemon.destroy();
    await broker.stop();
  }
});

test('no flags: nothing on the default address, the configuration file names where (and the token)', async () => {
  const broker = await startAedes();
  const port = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-status-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'status-default-token-0123456789\n', { mode: 0o600 });
  const daemon = await startTestDaemon(broker.url, { ops: { http: { enabled: true, bind: `127.0.0.1:${port}`, tokenFile } } });
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, `gateway: { id: "${TEST_GATEWAY_ID}" }\nops: { http: { bind: "127.0.0.1:${port}", tokenFile: "${tokenFile}" } }\n`);
  try {
    const unused = await freeTcpPort();
    const r = await status([], { url: `http://127.0.0.1:${unused}`, configPath });
    assert.is(r.code, 0, r.err);
    assert.match(r.out, /health:/);
    // The default address itself needs the token: the configuration's token is used on it.
    const r2 = await status([], { url: `http://127.0.0.1:${port}`, configPath });
    assert.is(r2.code, 0, r2.err);
  } finally {
    await daemon.destroy();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no flags, nothing anywhere: says what it tried, exit 1', async () => {
  const port = await freeTcpPort();
  const r = await status([], { url: `http://127.0.0.1:${port}`, configPath: '/nonexistent/lora-edge/config.yaml' });
  assert.is(r.code, 1);
  assert.match(r.err, /Tried:/);
  assert.match(r.err, new RegExp(`http://127\\.0\\.0\\.1:${port}/status: nothing answers there`));
  assert.match(r.err, /\/nonexistent\/lora-edge\/config\.yaml: no such file/);
  assert.match(r.err, /--url/);
});

test('no flags, nothing on the default address and a broken configuration file: both named', async () => {
  const port = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-status-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, 'ops: { http: { bind: "not an address" } }\n');
  try {
    let err = '';
    const w = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string) => ((err += c), true)) as typeof process.stderr.write;
    let thrown: Error | undefined;
    try {
      await statusCommand([], { url: `http://127.0.0.1:${port}`, configPath });
    } catch (e) {
      thrown = e as Error;
    } finally {
      process.stderr.write = w;
    }
    assert.is(thrown?.name, 'ConfigError', 'main prints every problem and exits 2');
    assert.match(thrown!.message, /ops\.http\.bind/);
    assert.match(err, new RegExp(`tried http://127\\.0\\.0\\.1:${port}/status: nothing answers there; then read ${configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the command line without flags honours LORA_EDGE_OPS_HTTP_BIND and reports both tries', async () => {
  const port = await freeTcpPort();
  const r = await runCli(['status'], { LORA_EDGE_OPS_HTTP_BIND: `127.0.0.1:${port}` });
  assert.is(r.code, 1);
  assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}/status: nothing answers there`));
  assert.not.match(r.stderr, /at .*\.js:\d+/, 'no stack trace');
});

async function udpPortFree(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  return new Promise((res) => {
    s.once('error', () => res(false));
    s.bind(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

test('npm start (the demo) prints the page address among its first lines, and the page answers there', async () => {
  if (!(await udpPortFree(1700))) {
    console.log('demo page address: UDP port 1700 is in use on this machine (the demo needs it); case skipped');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-demo-'));
  const child = spawnCli(['run', '--demo'], { LORA_EDGE_STORAGE_DIR: dir, LORA_EDGE_LOG_FORMAT: 'json' });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  try {
    const deadline = Date.now() + 20_000;
    while (!/lora-edge running/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const lines = out.split('\n').filter(Boolean);
    const first = lines.slice(0, 5).map((l) => JSON.parse(l) as { msg: string; page?: string });
    const announce = first.find((l) => l.page);
    assert.ok(announce, `the page's address among the first 5 lines:\n${lines.slice(0, 5).join('\n')}`);
    assert.match(announce!.msg, /technician page is at http:\/\/127\.0\.0\.1:\d+\//);
    const page = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      http.get(announce!.page!, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
    assert.is(page.code, 200);
    assert.match(page.body, /<h1>lora-edge <span id="gateway-id">/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
