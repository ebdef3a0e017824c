// Scenario: the daemon is killed with SIGKILL under traffic, with batches unacknowledged, and
// restarted. No record that was stored is lost, seq continues, unacknowledged batches are re-sent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startAedes } from '../helpers/brokers.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { freeUdpPort, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { spawnCli } from '../helpers/cli.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    const timer = setTimeout(() => reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms:\n${buf}`)), timeoutMs);
    // Keep reading after the match so the child never blocks on a full pipe.
    const onData = (c: Buffer) => {
      if (done) return;
      buf += c.toString();
      if (pattern.test(buf)) {
        done = true;
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
  });
}

test('SIGKILL under traffic, restart: stored records survive, are re-sent, seq continues', async () => {
  const broker = await startAedes();
  const proxy = await startTcpProxy(broker.port);
  const hub = await TestHub.connect(broker.url);
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-kill-'));
  const udp = `127.0.0.1:${await freeUdpPort()}`;
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `gateway: {id: "${TEST_GATEWAY_ID}"}\nsources: [{type: udp, bind: "${udp}"}]\n` +
      `mqtt: {url: "${proxy.url}", reconnectMin: 100ms, reconnectMax: 300ms}\nstorage: {dir: "${join(dir, 'data')}"}\n` +
      `batch: {maxRecords: 40}\nops: {http: {enabled: false}}
log: {level: info}\n`,
  );
  let daemon: ChildProcess | undefined;
  try {
    daemon = spawnCli(['run', '--config', config]);
    await waitForLine(daemon, /"msg":"lora-edge running"/);
    // Half the traffic with the backhaul up, half with it down (those batches are never acked).
    const devices = generatedDevices(5);
    const first = await runUdpTraffic({ target: udp, gatewayEui: TEST_GATEWAY_ID, devices, rate: 500, count: 200 });
    await hub.waitForUnique(200);
    proxy.down();
    const second = await runUdpTraffic({ target: udp, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(5), rate: 500, count: 200 });
    assert.is(first.pushAcks + second.pushAcks, first.datagramsSent + second.datagramsSent, 'every datagram was received');
    await wait(300); // longer than the 20 ms flush interval: everything received is stored
    daemon.kill('SIGKILL');
    await new Promise((r) => daemon!.once('exit', r));

    proxy.up();
    daemon = spawnCli(['run', '--config', config]);
    await waitForLine(daemon, /"msg":"lora-edge running"/);
    await hub.waitForUnique(400);
    assert.equal(hub.seqs(), Array.from({ length: 400 }, (_, i) => i + 1), 'all 400 records, in order');
    const afterRestart = hub.firstArrivals.slice(200);
    assert.ok(afterRestart.every((r) => r.replay), 'records stored before the restart arrive as replay');

    await runUdpTraffic({ target: udp, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(5), rate: 200, count: 10 });
    await hub.waitForUnique(410);
    const newest = hub.seqs().slice(400);
    assert.ok(newest.every((s) => s > 400), `seq continues after the restart: ${newest.join(',')}`);
    for (let i = 1; i < newest.length; i++) assert.is(newest[i], newest[i - 1] + 1);
  } finally {
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon!.once('exit', r));
    }
    await hub.close();
    await proxy.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
