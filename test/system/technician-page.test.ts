// The technician's page in a real browser (Debian's chromium driven by playwright-core): a real
// daemon with a broker the test stops and restarts, simulated devices sending uplinks, and what a
// technician sees: the gateway id, a source listening, uplinks appearing, the outbox depth rising
// while the broker is down and falling when it returns, the page on a phone, the keyboard, and the
// token login. System tier: skipped with a clear line when chromium is missing, unless required.
// Screenshots go to test-screenshots/ (ignored by git).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import mqtt from 'mqtt';
import { batchFilter } from '../../src/mqtt/chirpstack/topics.js';
import { freeTcpPort, mosquittoPath, startAedes, startMosquitto, type TestBroker } from '../helpers/brokers.js';
import { startTestDaemon, TEST_GATEWAY_ID, type TestDaemon } from '../helpers/daemon.js';
import { DEMO_FLEET, demoRegistryYaml } from '../../src/testing/device-payloads.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { packagePath } from '../../src/paths.js';
import { spawnCli } from '../helpers/cli.js';
import { createSocket } from 'node:dgram';
import { createLogger } from '../../src/log.js';
import { LogTail } from '../../src/log-tail.js';
import { Writable } from 'node:stream';

const CHROMIUM = process.env.LORA_EDGE_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const required = process.env.LORA_EDGE_SYSTEM_TESTS === 'require';
const SHOTS = packagePath('test-screenshots');

interface Ctx {
  browser?: Browser;
  broker?: TestBroker;
  daemon?: TestDaemon;
  base?: string;
  traffic?: AbortController;
  trafficDone?: Promise<unknown>;
  regDir?: string;
  hub?: mqtt.MqttClient;
}

const page = suite<Ctx>('technician page in chromium');

async function startRig(ctx: Ctx, ops: Record<string, unknown> = {}): Promise<void> {
  ctx.broker = mosquittoPath() ? await startMosquitto() : await startAedes();
  ctx.regDir = mkdtempSync(join(tmpdir(), 'lora-edge-page-'));
  const registry = join(ctx.regDir, 'devices.yaml');
  writeFileSync(registry, demoRegistryYaml(DEMO_FLEET), { mode: 0o600 });
  const port = await freeTcpPort();
  // A logger like the daemon's: its warnings and errors go to the tail the page shows.
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (_c, _e, done) => done() }), tail: new LogTail() });
  ctx.daemon = await startTestDaemon(
    ctx.broker.url,
    { ops: { http: { enabled: true, bind: `127.0.0.1:${port}`, ...ops } }, devices: { registry } },
    { logger },
  );
  ctx.base = `http://127.0.0.1:${port}`;
  // The hub: batches are held while nobody subscribes, so the outbox drains only with a subscriber,
  // which subscribes again each time the restarted broker lets it back in.
  ctx.hub = mqtt.connect(ctx.broker.url, { reconnectPeriod: 200, protocolVersion: 4 });
  ctx.hub.on('connect', () => ctx.hub!.subscribe(batchFilter('eu868'), { qos: 1 }));
  ctx.hub.on('error', () => undefined);
}

function startTraffic(ctx: Ctx, rate: number): void {
  ctx.traffic = new AbortController();
  ctx.trafficDone = runUdpTraffic({
    target: ctx.daemon!.udpTarget, gatewayEui: 'aa555a0000000101', devices: DEMO_FLEET, rate, count: Infinity, signal: ctx.traffic.signal,
  }).catch(() => undefined);
}

page.before(async (ctx) => {
  if (!available) return;
  ctx.browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  mkdirSync(SHOTS, { recursive: true });
});
page.after(async (ctx) => {
  await ctx.browser?.close();
});
page.after.each(async (ctx) => {
  ctx.traffic?.abort();
  await ctx.trafficDone;
  await ctx.hub?.endAsync(true);
  await ctx.daemon?.destroy();
  await ctx.broker?.stop();
  if (ctx.regDir) rmSync(ctx.regDir, { recursive: true, force: true });
  Object.assign(ctx, { daemon: undefined, broker: undefined, traffic: undefined, trafficDone: undefined, regDir: undefined, hub: undefined });
});

const text = (p: Page, selector: string) => p.locator(selector).innerText();
/** Waits until `selector`'s text satisfies `ok` (the page polls every 3 s). */
async function waitText(p: Page, selector: string, ok: (t: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await text(p, selector).catch(() => '');
    if (ok(last)) return last;
    await p.waitForTimeout(250);
  }
  throw new Error(`${what}: ${selector} still reads ${JSON.stringify(last)} after ${timeoutMs} ms`);
}

async function udpPortFree(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  return new Promise((res) => {
    s.once('error', () => res(false));
    s.bind(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

function cases(): Array<[string, (ctx: Ctx) => Promise<void>]> {
  return [
    [
      'npm start (the demo): the page at the address it prints shows the demo gateway and its decoded uplinks',
      async (ctx) => {
        if (!(await udpPortFree(1700))) {
          console.log('technician page: UDP port 1700 is in use (the demo needs it); the demo case is skipped');
          return;
        }
        const dir = mkdtempSync(join(tmpdir(), 'lora-edge-demo-'));
        const demo = spawnCli(['run', '--demo'], { LORA_EDGE_STORAGE_DIR: dir, LORA_EDGE_LOG_FORMAT: 'json' });
        let out = '';
        demo.stdout!.on('data', (c) => (out += c));
        try {
          const deadline = Date.now() + 20_000;
          while (!/"page":"http[^"]+"/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
          const url = /"page":"(http[^"]+)"/.exec(out)?.[1];
          assert.ok(url, `the demo printed its page address:\n${out.slice(0, 500)}`);
          const p = await ctx.browser!.newPage();
          let loaded = false;
          for (let i = 0; i < 40 && !loaded; i++) {
            loaded = (await p.goto(url!).then((r) => r?.ok() ?? false).catch(() => false)) || (await p.waitForTimeout(250), false);
          }
          assert.ok(loaded, `the page answers at ${url}`);
          assert.is(await text(p, '#gateway-id'), '0016c001ff10a235');
          await waitText(p, '#sources-body', (t) => /listening/.test(t), 'the demo source listening');
          await waitText(p, '#uplinks-body', (t) => /demo-streetlight-1/.test(t) && /=/.test(t), 'the street light with decoded values');
          await waitText(p, '#config-check', (t) => /demo .*valid/.test(t), 'the configuration check');
          await p.screenshot({ path: join(SHOTS, 'page-demo.png'), fullPage: true });
          await p.close();
        } finally {
          demo.kill('SIGTERM');
          await new Promise((r) => demo.once('close', r));
          rmSync(dir, { recursive: true, force: true });
        }
      },
    ],
    [
      'a technician sees the gateway, a listening source, uplinks, and the outbox filling and draining around a broker outage',
      async (ctx) => {
        await startRig(ctx);
        startTraffic(ctx, 8);
        const p = await ctx.browser!.newPage();
        const errors: string[] = [];
        p.on('pageerror', (e) => errors.push(e.message));
        p.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
        await p.goto(`${ctx.base}/`);
        assert.is(await text(p, '#gateway-id'), TEST_GATEWAY_ID);
        assert.match(await p.title(), TEST_GATEWAY_ID);
        await waitText(p, '#sources-body', (t) => /udp\s+listening/.test(t), 'the UDP source listening');
        await waitText(p, '#uplinks-body', (t) => /demo-/.test(t) && /-\d+/.test(t), 'uplinks with a device name and RSSI');
        await waitText(p, '#devices-body', (t) => DEMO_FLEET.every((d) => t.includes(d.devEui.toLowerCase()) || t.includes(d.devEui)), 'every demo device seen');
        await waitText(p, '#health', (t) => t === 'OK', 'health OK');
        await waitText(p, '#mqtt-state', (t) => /connected/.test(t), 'MQTT connected');
        await p.screenshot({ path: join(SHOTS, 'page-running.png'), fullPage: true });

        await ctx.broker!.stop();
        await waitText(p, '#health', (t) => t === 'DEGRADED', 'health degraded without the broker');
        const first = Number(await waitText(p, '#outbox-depth', (t) => Number(t) > 0, 'outbox depth above 0 while the broker is down'));
        const risen = Number(await waitText(p, '#outbox-depth', (t) => Number(t) > first, 'outbox depth rising while the broker is down'));
        assert.match(await text(p, '#health-reasons'), /MQTT broker not connected/);
        await waitText(p, '#problems-body', (t) => /mqtt/.test(t) && !/No warning/.test(t), 'the MQTT warning among recent warnings');
        await p.screenshot({ path: join(SHOTS, 'page-broker-down.png'), fullPage: true });

        await ctx.broker!.restart();
        await waitText(p, '#mqtt-state', (t) => /connected/.test(t) && !/dis/.test(t), 'MQTT connected again', 30_000);
        await waitText(p, '#outbox-depth', (t) => Number(t) < risen, 'outbox depth falling once the broker is back', 30_000);
        await waitText(p, '#chart-summary', (t) => /highest [1-9]/.test(t), 'the chart has frames');
        assert.ok((await p.locator('#chart svg rect').count()) >= 1, 'the chart draws frame bars');
        assert.equal(errors, [], 'no script error in the page');
        await p.close();
      },
    ],
    [
      'the page says so when the daemon stops answering, and keeps the last values',
      async (ctx) => {
        await startRig(ctx);
        const p = await ctx.browser!.newPage();
        await p.goto(`${ctx.base}/`);
        await waitText(p, '#sources-body', (t) => /listening/.test(t), 'a source listening');
        await ctx.daemon!.stop();
        await waitText(p, '#connection', (t) => /not answering/.test(t), 'a clear line that the daemon is not answering');
        assert.is(await text(p, '#gateway-id'), TEST_GATEWAY_ID, 'the last values stay');
        await p.close();
      },
    ],
    [
      'on a phone (360x740): no horizontal scrolling, every section there',
      async (ctx) => {
        await startRig(ctx);
        startTraffic(ctx, 8);
        const p = await ctx.browser!.newPage({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
        await p.goto(`${ctx.base}/`);
        await waitText(p, '#uplinks-body', (t) => /demo-/.test(t), 'uplinks');
        await waitText(p, '#devices-body', (t) => /demo-/.test(t), 'devices');
        const widths = await p.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth }));
        assert.ok(widths.doc <= widths.view && widths.body <= widths.view, `page wider than the phone: ${JSON.stringify(widths)}`);
        for (const h of ['Health', 'Radio sources', 'MQTT', 'Outbox', 'Last hour', 'Last uplinks', 'Recent warnings and errors']) {
          assert.ok(await p.getByRole('heading', { name: h }).isVisible(), `heading ${h}`);
        }
        await p.screenshot({ path: join(SHOTS, 'page-phone.png'), fullPage: true });
        await p.close();
      },
    ],
    [
      'keyboard: skip link first, section links move focus, scrollable tables are reachable',
      async (ctx) => {
        await startRig(ctx);
        const p = await ctx.browser!.newPage();
        await p.goto(`${ctx.base}/`);
        await p.keyboard.press('Tab');
        assert.match(await p.evaluate(() => document.activeElement?.textContent ?? ''), /Skip to/);
        const outline = await p.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
        assert.is.not(outline, 'none', 'keyboard focus is visible');
        // Tab on to the "Uplinks" section link and follow it.
        for (let i = 0; i < 20; i++) {
          await p.keyboard.press('Tab');
          if ((await p.evaluate(() => document.activeElement?.textContent)) === 'Uplinks') break;
        }
        assert.is(await p.evaluate(() => document.activeElement?.textContent), 'Uplinks');
        await p.keyboard.press('Enter');
        await p.waitForFunction(() => location.hash === '#h-uplinks');
        await p.keyboard.press('Tab');
        assert.is(await p.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Last uplinks table');
        await p.close();
      },
    ],
    [
      'with a token: 401 without it, the login form sets the cookie, a wrong token is refused',
      async (ctx) => {
        const dir = mkdtempSync(join(tmpdir(), 'lora-edge-token-'));
        const tokenFile = join(dir, 'token');
        const token = 'page-test-token-0123456789abcdef';
        writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
        try {
          await startRig(ctx, { tokenFile });
          const status = await fetch(`${ctx.base}/status`);
          assert.is(status.status, 401);
          const p = await ctx.browser!.newPage();
          const first = await p.goto(`${ctx.base}/`);
          assert.is(first?.status(), 401);
          assert.ok(await p.getByLabel('Token').isVisible(), 'the login form');
          assert.is(await p.locator('#gateway-id').count(), 0, 'no gateway data before the token');
          await p.getByLabel('Token').fill('wrong-token-wrong-token');
          await p.getByRole('button', { name: 'Open the page' }).click();
          await p.waitForLoadState();
          assert.match(await p.locator('[role=alert]').innerText(), /not the token/);
          await p.getByLabel('Token').fill(token);
          await p.getByRole('button', { name: 'Open the page' }).click();
          await p.waitForSelector('#gateway-id');
          await waitText(p, '#sources-body', (t) => /listening/.test(t), 'the page with the token cookie');
          const cookies = await p.context().cookies();
          const cookie = cookies.find((c) => c.name === 'lora_edge_token');
          assert.ok(cookie?.httpOnly, 'the cookie is HttpOnly');
          assert.is(cookie?.sameSite, 'Strict');
          assert.is(await p.evaluate(() => document.cookie), '', 'the script cannot read the token');
          await p.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    ],
  ];
}

for (const [name, run] of cases()) {
  if (!available && !required) page.skip(`${name} (${CHROMIUM} not installed: apt-get install chromium)`);
  else
    page(name, async (ctx) => {
      assert.ok(available, `${CHROMIUM} is required for the system tier (apt-get install chromium)`);
      await run(ctx);
    });
}
page.run();
