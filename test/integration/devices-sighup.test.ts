// The running daemon picks up a changed device registry on SIGHUP (and by watching the file),
// without a restart: a device added to the file is decoded from then on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAedes } from '../helpers/brokers.js';
import { freeUdpPort, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { spawnCli } from '../helpers/cli.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { DEMO_FLEET, demoRegistryYaml } from '../../src/testing/device-payloads.js';

test('registry change + SIGHUP: the new device is decoded, no restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-hup-'));
  const broker = await startAedes();
  const hub = await TestHub.connect(broker.url);
  const udp = `127.0.0.1:${await freeUdpPort()}`;
  const registry = join(dir, 'devices.yaml');
  writeFileSync(registry, demoRegistryYaml([DEMO_FLEET[0]]), { mode: 0o600 });
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `gateway: {id: "${TEST_GATEWAY_ID}"}\nsources: [{type: udp, bind: "${udp}"}]\nmqtt: {url: "${broker.url}"}\n` +
    `storage: {dir: "${join(dir, 'data')}"}\ndevices: {registry: "${registry}"}\nops: {http: {enabled: false}}\nlog: {level: info}\n`);
  const daemon = spawnCli(['run', '--config', config]);
  let log = '';
  daemon.stdout!.on('data', (c) => (log += c));
  const waitLog = async (re: RegExp, what: string) => {
    const deadline = Date.now() + 15_000;
    while (!re.test(log) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(log, re, what);
  };
  try {
    await waitLog(/"msg":"lora-edge running"/, 'daemon up');
    const second = DEMO_FLEET[1];
    await runUdpTraffic({ target: udp, gatewayEui: TEST_GATEWAY_ID, devices: [second], rate: 50, count: 2 });
    await hub.waitForUnique(2);
    assert.ok(hub.firstArrivals.every((r) => r.device === null && r.decoded === null), 'not registered yet: raw');

    writeFileSync(registry, demoRegistryYaml([DEMO_FLEET[0], second]), { mode: 0o600 });
    daemon.kill('SIGHUP');
    await waitLog(/"devices":2[^\n]*"msg":"device registry reloaded"/, 'SIGHUP reload logged with 2 devices');
    // The simulated device keeps counting where it was: a fresh simulator continues at fCnt 2.
    const { SimulatedDevice } = await import('../../src/testing/end-devices.js');
    const sim = new SimulatedDevice(second, 2);
    const { PacketForwarderSim, makeRxpk } = await import('../../src/testing/packet-forwarder.js');
    const pf = new PacketForwarderSim({ target: udp, gatewayEui: TEST_GATEWAY_ID });
    await pf.pushRxpk([makeRxpk({ payload: sim.nextUplink() })]);
    await pf.close();
    await hub.waitForUnique(3);
    const last = hub.firstArrivals[2];
    assert.is(last.device?.name, second.name);
    assert.ok(last.decoded?.data, 'decoded after the reload');
    assert.is(daemon.exitCode, null, 'still the same process');
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    await hub.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
