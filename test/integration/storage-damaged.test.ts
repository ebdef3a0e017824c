// Scenario: storage damaged by a power cut or a failing SD card. The daemon must start anyway:
// repair what LevelDB can repair, move aside what it cannot, say so (log, health, metric) and keep
// forwarding live traffic; the operator salvages a moved-aside outbox with `outbox export --dir`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { startAedes } from '../helpers/brokers.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { startTestDaemon, freeUdpPort, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { runCli } from '../helpers/cli.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';
import { outboxDir, deviceStateDir } from '../../src/app/storage-layout.js';
import { healthOf } from '../../src/ops/snapshot.js';

/** A daemon whose link to the broker (and the hub on it) starts cut, so records stay in the outbox. */
async function offlineRig() {
  const broker = await startAedes();
  const proxy = await startTcpProxy(broker.port);
  proxy.down();
  const hub = await TestHub.connect(broker.url);
  const udpPort = await freeUdpPort();
  const daemon = await startTestDaemon(proxy.url, {}, { udpPort });
  return {
    proxy,
    hub,
    udpPort,
    daemon,
    dir: daemon.dir,
    async close() {
      await hub.close();
      await proxy.close();
      await broker.stop();
    },
  };
}

test('an outbox whose CURRENT file is garbage is repaired at start and its records delivered', async () => {
  const rig = await offlineRig();
  const { proxy, hub, udpPort, dir } = rig;
  let daemon = rig.daemon;
  try {
    await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(3), rate: 500, count: 30 });
    await daemon.stop();
    writeFileSync(join(outboxDir(dir), 'CURRENT'), 'garbage written by a dying SD card\n');

    daemon = await startTestDaemon(proxy.url, {}, { dir, udpPort });
    const snap = daemon.app.snapshot();
    assert.is(snap.storeRecoveries.length, 1);
    assert.is(snap.storeRecoveries[0].store, 'outbox');
    assert.is(snap.storeRecoveries[0].action, 'repaired');
    assert.ok(healthOf(snap).reasons.some((r) => /outbox store was damaged and repaired/.test(r)), JSON.stringify(healthOf(snap)));
    proxy.up();
    await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(3), rate: 500, count: 5 });
    await hub.waitForUnique(35);
    assert.equal(hub.seqs().slice(0, 30), Array.from({ length: 30 }, (_, i) => i + 1), 'the stored records survived the repair');
  } finally {
    await daemon.destroy();
    await rig.close();
  }
});

test('an outbox that cannot be opened at all is moved aside, a fresh one forwards live traffic, export salvages the old one', async () => {
  const rig = await offlineRig();
  const { proxy, hub, udpPort, dir } = rig;
  let daemon = rig.daemon;
  const salvageOut = join(dir, 'salvaged.jsonl');
  try {
    await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(2), rate: 500, count: 12 });
    await daemon.stop();
    // The store's files survive, but the directory itself is gone: a file lies where it was
    // (what fsck leaves after a bad crash). Repair cannot open a file as a store.
    const saved = join(dir, 'outbox-files');
    cpSync(outboxDir(dir), saved, { recursive: true });
    rmSync(outboxDir(dir), { recursive: true });
    writeFileSync(outboxDir(dir), 'not a directory');

    daemon = await startTestDaemon(proxy.url, {}, { dir, udpPort });
    const snap = daemon.app.snapshot();
    assert.is(snap.storeRecoveries[0]?.action, 'moved-aside');
    const movedTo = snap.storeRecoveries[0].movedTo!;
    assert.ok(movedTo.startsWith(`${outboxDir(dir)}.damaged-`), movedTo);
    assert.ok(existsSync(movedTo));
    assert.is(healthOf(snap).status, 'degraded');
    proxy.up();
    await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(2), rate: 500, count: 4 });
    await hub.waitForUnique(4);
    await daemon.stop();

    // Salvage: a damaged store (CURRENT garbage) given straight to --dir is read from a repaired copy.
    const damaged = join(dir, 'outbox.damaged-by-hand');
    mkdirSync(damaged);
    cpSync(saved, damaged, { recursive: true });
    writeFileSync(join(damaged, 'CURRENT'), 'garbage\n');
    // LevelDB rotates its own info log (LOG -> LOG.old) on any open attempt; the data files must not change.
    const dataFiles = () => readdirSync(damaged).filter((f) => !f.startsWith('LOG')).sort().map((f) => [f, readFileSync(join(damaged, f)).toString('hex')]);
    const before = dataFiles();
    const r = await runCli(['outbox', 'export', '--dir', damaged, '--out', salvageOut]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /exported 12 records/);
    assert.match(r.stdout, /repaired copy/);
    assert.is(readFileSync(salvageOut, 'utf8').trim().split('\n').length, 12);
    assert.equal(dataFiles(), before, 'the damaged original\'s data files are untouched');
  } finally {
    await daemon.destroy();
    await rig.close();
  }
});

test('damaged device state does not stop the daemon: it is repaired or moved aside and said so', async () => {
  const broker = await startAedes();
  let daemon = await startTestDaemon(broker.url);
  const dir = daemon.dir;
  try {
    await daemon.stop();
    const stateDir = deviceStateDir(dir);
    if (existsSync(stateDir)) rmSync(stateDir, { recursive: true });
    writeFileSync(stateDir, 'not a directory');
    daemon = await startTestDaemon(broker.url, {}, { dir });
    const snap = daemon.app.snapshot();
    const rec = snap.storeRecoveries.find((x) => x.store === 'device state');
    assert.ok(rec, JSON.stringify(snap.storeRecoveries));
    assert.is(rec!.action, 'moved-aside');
    assert.ok(healthOf(snap).reasons.some((x) => /device state store was damaged/.test(x)));
  } finally {
    await daemon.destroy();
    await broker.stop();
  }
});

test.run();
