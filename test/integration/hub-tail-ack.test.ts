// `lora-edge hub-tail` as a hub developer runs it, against a daemon with batch.hubAck on: without
// --ack the daemon keeps every record (the broker's PUBACK is not enough), with --ack the records are
// confirmed and deleted, and hub-tail prints each record once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAedes } from '../helpers/brokers.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { spawnCli } from '../helpers/cli.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';

async function until(check: () => boolean, what: string, state: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}: ${state()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('hub-tail --ack confirms what it printed; without --ack the daemon keeps the records', async () => {
  const broker = await startAedes();
  const daemon = await startTestDaemon(broker.url, { batch: { maxRecords: 7, hubAck: { enabled: true, timeout: '2s', window: 16 } } });
  const stdout: string[] = [];
  let stderr = '';
  const listening = (child: ReturnType<typeof spawnCli>) =>
    new Promise<void>((resolve) => {
      child.stderr!.on('data', (c) => {
        stderr += c;
        if (/listening on/.test(stderr)) resolve();
      });
    });
  try {
    await until(() => daemon.app.hub!.online, 'the daemon to connect', () => '');
    const state = () => JSON.stringify({ outbox: daemon.app.outbox!.stats(), fwd: daemon.app.forwarder!.counters, stderr });

    // A hub that reads without confirming: the broker acknowledges, the records stay.
    const silent = spawnCli(['hub-tail', '--url', broker.url, '--quiet']);
    await listening(silent);
    await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(4), rate: 500, count: 40 });
    await daemon.app.outbox!.flush();
    await until(() => daemon.app.forwarder!.counters.awaitingHub > 0, 'batches waiting for the hub', state);
    assert.is(daemon.app.forwarder!.counters.recordsAcked, 0, 'nothing counted delivered on the broker\'s word');
    const kept = daemon.app.outbox!.stats().depth;
    assert.is(kept, daemon.app.outbox!.stats().appended, `every record kept: ${state()}`);
    assert.ok(kept >= 35, `traffic arrived: ${state()}`);
    const silentClosed = new Promise((r) => silent.once('close', r));
    silent.kill('SIGTERM');
    await silentClosed;

    // A hub that confirms: the unconfirmed batches go again after the timeout, reach it, are
    // confirmed and deleted; it prints each record once and sees no gap.
    stderr = '';
    const acking = spawnCli(['hub-tail', '--url', broker.url, '--ack', '--gateway', TEST_GATEWAY_ID, '--count', String(kept)]);
    const closed = new Promise((r) => acking.once('close', r));
    acking.stdout!.on('data', (c) => stdout.push(String(c)));
    await listening(acking);
    await until(() => daemon.app.outbox!.stats().depth === 0, 'every record confirmed and deleted', state);
    const code = await closed;
    assert.is(code, 0, `hub-tail saw no gap: ${stderr}`);
    const lines = stdout.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { gatewayId: string; seq: number });
    assert.is(lines.length, kept);
    assert.ok(lines.every((l) => l.gatewayId === TEST_GATEWAY_ID));
    assert.is(new Set(lines.map((l) => l.seq)).size, lines.length, 'each record printed once');
    assert.is(daemon.app.forwarder!.counters.recordsAcked, kept, state());
    assert.ok(daemon.app.forwarder!.counters.hubAckTimeouts >= 1, 'the unconfirmed batches were sent again');
  } finally {
    await daemon.destroy();
    await broker.stop();
  }
});

test.run();
