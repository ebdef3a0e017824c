// Issue 18, items 2 and 3, through a real daemon process: a mistyped, half-written or hostile
// devices.yaml, on SIGHUP, on a file change or at start, never takes the gateway down. The reload
// is refused whole, the previous devices are still decoded, the error names file and line, and a
// counter moves in /metrics and /status; at start without any good registry the daemon runs and
// says so loudly (error log and a health reason naming the file).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort, startAedes, type TestBroker } from '../helpers/brokers.js';
import { freeUdpPort, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { spawnCli } from '../helpers/cli.js';
import { DEMO_FLEET, demoRegistryYaml } from '../../src/testing/device-payloads.js';
import { SimulatedDevice } from '../../src/testing/end-devices.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';

interface Rig {
  dir: string;
  registry: string;
  broker: TestBroker;
  hub: TestHub;
  daemon: ChildProcess;
  udp: string;
  ops: string;
  logLines(): Array<Record<string, unknown>>;
  waitLog(pred: (l: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

async function startRig(registryText: string): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-hostile-reg-'));
  const broker = await startAedes();
  const hub = await TestHub.connect(broker.url);
  const udp = `127.0.0.1:${await freeUdpPort()}`;
  const opsPort = await freeTcpPort();
  const registry = join(dir, 'devices.yaml');
  writeFileSync(registry, registryText, { mode: 0o600 });
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `gateway: {id: "${TEST_GATEWAY_ID}"}\nsources: [{type: udp, bind: "${udp}"}]\nmqtt: {url: "${broker.url}"}\n` +
      `storage: {dir: "${join(dir, 'data')}"}\ndevices: {registry: "${registry}"}\n` +
      `ops: {http: {enabled: true, bind: "127.0.0.1:${opsPort}"}}\nlog: {level: info}\n`,
  );
  const daemon = spawnCli(['run', '--config', config]);
  let out = '';
  daemon.stdout!.on('data', (c) => (out += c));
  daemon.stderr!.on('data', (c) => (out += c));
  const logLines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const waitLog = async (pred: (l: Record<string, unknown>) => boolean, what: string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = logLines().find(pred);
      if (found) return found;
      if (daemon.exitCode !== null || Date.now() > deadline) assert.unreachable(`${what} (exit code ${daemon.exitCode})\n${out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    dir, registry, broker, hub, daemon, udp, ops: `http://127.0.0.1:${opsPort}`, logLines, waitLog,
    async close() {
      if (daemon.exitCode === null) {
        daemon.kill('SIGTERM');
        await new Promise((r) => daemon.once('exit', r));
      }
      await hub.close();
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function getJson(url: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function registryStatus(rig: Rig): Promise<{ loaded: boolean; devices: number; reloadFailures: number; lastFailure: { problems: string[] } | null }> {
  const s = JSON.parse((await getJson(`${rig.ops}/status`)).body) as { devices: { registry: never } };
  return s.devices.registry;
}

async function failuresMetric(rig: Rig): Promise<number> {
  const text = (await getJson(`${rig.ops}/metrics`)).body;
  const line = text.split('\n').find((l) => l.startsWith('lora_edge_registry_reload_failures_total '));
  return Number(line?.split(' ').pop());
}

/** One uplink from each of `devices` (continuing their frame counters); resolves when all reached the hub. */
const sims = new Map<string, SimulatedDevice>();
async function sendAndCollect(rig: Rig, devices: typeof DEMO_FLEET): Promise<Array<{ name: string | undefined; decoded: boolean }>> {
  const before = rig.hub.unique;
  const pf = new PacketForwarderSim({ target: rig.udp, gatewayEui: TEST_GATEWAY_ID });
  for (const d of devices) {
    let sim = sims.get(d.devEui);
    if (!sim) sims.set(d.devEui, (sim = new SimulatedDevice(d, 1)));
    await pf.pushRxpk([makeRxpk({ payload: sim.nextUplink() })]);
  }
  await pf.close();
  await rig.hub.waitForUnique(before + devices.length);
  return rig.hub.firstArrivals.slice(before).map((r) => ({ name: r.device?.name, decoded: Boolean(r.decoded?.data) }));
}

const isError = (l: Record<string, unknown>) => l.level === 'error';

test('a good registry, then a truncated one (file change), an alias typo and an alias bomb (SIGHUP): refused whole, daemon up, devices decoded', async () => {
  const good = demoRegistryYaml(DEMO_FLEET);
  const rig = await startRig(good);
  try {
    await rig.waitLog((l) => l.msg === 'lora-edge running', 'daemon up');
    const first = await sendAndCollect(rig, DEMO_FLEET);
    assert.ok(first.every((r) => r.decoded), `all four decoded at first: ${JSON.stringify(first)}`);
    assert.is(await failuresMetric(rig), 0);

    // Case 3 through the file watcher only: the file cut in the middle of the third device.
    writeFileSync(rig.registry, good.slice(0, good.indexOf(DEMO_FLEET[2].nwkSKey) + 10));
    const truncated = await rig.waitLog((l) => isError(l) && /refused, the previous registry stays in use/.test(String(l.msg)), 'refusal of the truncated file logged');
    assert.ok(String(truncated.msg).includes(rig.registry), 'the message names the file');
    assert.match(String(truncated.msg), /entry 3 .*\[line \d+\]/, 'and the line');
    assert.ok((truncated.problems as string[]).some((p) => /entry 3 .*\[line \d+\]: activation\.nwkSKey: must be 32 hex digits/.test(p)), JSON.stringify(truncated.problems));
    assert.is(await failuresMetric(rig), 1, 'counted once');
    const status = await registryStatus(rig);
    assert.is(status.devices, 4, 'all four devices still in use, not two');
    assert.is(status.reloadFailures, 1);
    const health = JSON.parse((await getJson(`${rig.ops}/healthz`)).body) as { status: string; reasons: string[] };
    assert.is(health.status, 'degraded');
    assert.ok(health.reasons.some((r) => r.includes(rig.registry) && /reload refused/.test(r)), health.reasons.join('\n'));
    const afterTruncation = await sendAndCollect(rig, DEMO_FLEET);
    assert.ok(afterTruncation.every((r) => r.decoded), `still all four decoded: ${JSON.stringify(afterTruncation)}`);

    // Case 2 on SIGHUP: `name: *room`, an alias with no anchor.
    writeFileSync(rig.registry, good.replace(`name: ${DEMO_FLEET[2].name}`, 'name: *room'));
    rig.daemon.kill('SIGHUP');
    const typo = await rig.waitLog((l) => isError(l) && (l.problems as string[] | undefined)?.some((p) => /alias \*room/.test(p)) === true, 'alias typo refused');
    assert.ok((typo.problems as string[]).some((p) => p.startsWith(`${rig.registry} [line `)), JSON.stringify(typo.problems));
    // A YAML alias bomb on SIGHUP.
    const bomb = ['b0: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i <= 9; i++) bomb.push(`b${i}: &b${i} [${Array(10).fill(`*b${i - 1}`).join(', ')}]`);
    writeFileSync(rig.registry, `${bomb.join('\n')}\n${good.replace(`name: ${DEMO_FLEET[2].name}`, 'name: *b9')}`);
    rig.daemon.kill('SIGHUP');
    await rig.waitLog((l) => isError(l) && (l.problems as string[] | undefined)?.some((p) => /alias bomb/.test(p)) === true, 'alias bomb refused');
    assert.is(rig.daemon.exitCode, null, 'still running');
    assert.ok((await failuresMetric(rig)) >= 3, 'every refusal counted');
    const afterTypos = await sendAndCollect(rig, DEMO_FLEET);
    assert.ok(afterTypos.every((r) => r.decoded), `still all four decoded: ${JSON.stringify(afterTypos)}`);

    // Fixed: loaded again, health no longer names the registry.
    writeFileSync(rig.registry, good);
    rig.daemon.kill('SIGHUP');
    await rig.waitLog((l) => l.msg === 'device registry reloaded', 'good file reloaded');
    const healed = JSON.parse((await getJson(`${rig.ops}/healthz`)).body) as { reasons: string[] };
    assert.not.ok(healed.reasons.some((r) => /registry/.test(r)), healed.reasons.join('\n'));
    assert.is((await registryStatus(rig)).lastFailure, null);
  } finally {
    await rig.close();
  }
});

test('start with a broken registry: the daemon runs without it, says so loudly, health names the file; fixing it loads it', async () => {
  const good = demoRegistryYaml(DEMO_FLEET);
  const rig = await startRig(good.replace(`name: ${DEMO_FLEET[2].name}`, 'name: *room'));
  try {
    const loud = await rig.waitLog((l) => isError(l) && /running WITHOUT a device registry/.test(String(l.msg)), 'loud error at start');
    assert.ok(String(loud.msg).includes(rig.registry), String(loud.msg));
    assert.match(String(loud.msg), /\[line \d+\]: not valid YAML: alias \*room/);
    await rig.waitLog((l) => l.msg === 'lora-edge running', 'daemon up anyway');
    const health = JSON.parse((await getJson(`${rig.ops}/healthz`)).body) as { status: string; reasons: string[] };
    assert.is(health.status, 'degraded');
    assert.ok(health.reasons.some((r) => r.includes(rig.registry) && /cannot be used, no device is decoded/.test(r)), health.reasons.join('\n'));
    const status = await registryStatus(rig);
    assert.is(status.loaded, false);
    assert.is(status.reloadFailures, 1);
    const raw = await sendAndCollect(rig, [DEMO_FLEET[0]]);
    assert.equal(raw, [{ name: undefined, decoded: false }], 'forwarded raw meanwhile');

    writeFileSync(rig.registry, good);
    await rig.waitLog((l) => l.msg === 'device registry loaded' && l.devices === 4, 'loaded once fixed (file watcher)');
    assert.is((await registryStatus(rig)).loaded, true);
    const decoded = await sendAndCollect(rig, [DEMO_FLEET[0]]);
    assert.ok(decoded[0].decoded, 'decoded after the fix');
  } finally {
    await rig.close();
  }
});

test.run();
