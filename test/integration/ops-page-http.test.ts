// The technician page over plain HTTP (no browser): what / serves with and without a token, the
// login form's cookie, hostile logins (another origin, a huge body, a wrong token), and the JSON the
// page reads (/status with the traffic, history, problems and configuration check).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAedes, freeTcpPort } from '../helpers/brokers.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import { DEMO_FLEET, demoRegistryYaml } from '../../src/testing/device-payloads.js';
import { SimulatedDevice } from '../../src/testing/end-devices.js';

interface Res { code: number; body: string; headers: http.IncomingHttpHeaders }

function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const TOKEN = 'ops-page-token-0123456789abcdef';

test('with a token: login form, cookie, hostile logins refused, every data path closed without it', async () => {
  const broker = await startAedes();
  const port = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-page-http-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const daemon = await startTestDaemon(broker.url, { ops: { http: { enabled: true, bind: `127.0.0.1:${port}`, tokenFile } } });
  const base = `http://127.0.0.1:${port}`;
  try {
    const login = await request(`${base}/`);
    assert.is(login.code, 401);
    assert.match(String(login.headers['content-type']), /text\/html/);
    assert.match(login.body, /<form method="post" action="login">/);
    assert.not.match(login.body, new RegExp(TEST_GATEWAY_ID), 'nothing about the gateway before the token');
    assert.match(String(login.headers['content-security-policy']), /default-src 'none'/);
    for (const path of ['/status', '/healthz', '/metrics']) assert.is((await request(`${base}${path}`)).code, 401, path);
    // The static code holds no data and the login form needs its style sheet.
    assert.is((await request(`${base}/ui/app.css`)).code, 200);
    assert.is((await request(`${base}/ui/app.js`)).code, 200);

    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const wrong = await request(`${base}/login`, { method: 'POST', headers: form, body: 'token=nope' });
    assert.is(wrong.code, 401);
    assert.match(wrong.body, /not the token/);
    assert.is(wrong.headers['set-cookie'], undefined);
    const foreign = await request(`${base}/login`, { method: 'POST', headers: { ...form, origin: 'http://evil.example' }, body: `token=${TOKEN}` });
    assert.is(foreign.code, 403);
    const sandboxed = await request(`${base}/login`, { method: 'POST', headers: { ...form, origin: 'null' }, body: `token=${TOKEN}` });
    assert.is(sandboxed.code, 403);
    const huge = await request(`${base}/login`, { method: 'POST', headers: form, body: Buffer.alloc(1 << 20, 0x61) });
    assert.is(huge.code, 413);
    assert.is((await request(`${base}/login`)).code, 405);
    const rebinding = await request(`${base}/login`, { method: 'POST', headers: { ...form, host: 'evil.example' }, body: `token=${TOKEN}` });
    assert.is(rebinding.code, 421);

    const ok = await request(`${base}/login`, { method: 'POST', headers: { ...form, origin: base }, body: `token=${encodeURIComponent(TOKEN)}` });
    assert.is(ok.code, 303);
    assert.is(ok.headers.location, './');
    const cookie = String(ok.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const jar = cookie.split(';')[0];
    const page = await request(`${base}/`, { headers: { cookie: jar } });
    assert.is(page.code, 200);
    assert.match(page.body, new RegExp(`<span id="gateway-id">${TEST_GATEWAY_ID}</span>`));
    assert.is((await request(`${base}/status`, { headers: { cookie: jar } })).code, 200);
    assert.is((await request(`${base}/status`, { headers: { cookie: 'lora_edge_token=%ZZ' } })).code, 401, 'a malformed cookie is no token');
  } finally {
    await daemon.destroy();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the JSON the page reads: last uplinks with a decoded summary, devices, the minute history', async () => {
  const broker = await startAedes();
  const port = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-page-http-'));
  const registry = join(dir, 'devices.yaml');
  writeFileSync(registry, demoRegistryYaml([DEMO_FLEET[0]]), { mode: 0o600 });
  const daemon = await startTestDaemon(broker.url, { ops: { http: { enabled: true, bind: `127.0.0.1:${port}` } }, devices: { registry } });
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101' });
  const base = `http://127.0.0.1:${port}`;
  try {
    assert.is((await request(`${base}/`)).code, 200, 'loopback without a token: the page itself');
    assert.is((await request(`${base}/favicon.ico`)).code, 204);
    const device = new SimulatedDevice(DEMO_FLEET[0]);
    await sim.pushRxpk([makeRxpk({ payload: device.nextUplink(), rssi: -101 })]);
    let s: Record<string, any> = {};
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      s = JSON.parse((await request(`${base}/status`)).body);
      if (s.traffic?.uplinks.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const u = s.traffic.uplinks[0];
    assert.is(u.device, DEMO_FLEET[0].devEui.toLowerCase());
    assert.is(u.rssi, -101);
    assert.type(u.summary, 'string');
    assert.is(s.traffic.devices[0].frames, 1);
    assert.ok(Array.isArray(s.history) && s.history.length >= 1);
    assert.ok(s.history[s.history.length - 1].frames >= 1, 'the frame is in the current minute');
    const metrics = (await request(`${base}/metrics`)).body;
    assert.match(metrics, /\nlora_edge_devices_heard 1\n/);
  } finally {
    await sim.close();
    await daemon.destroy();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
