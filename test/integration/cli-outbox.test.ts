// `lora-edge outbox stats|export` as an operator runs them: refused clearly while the daemon holds
// the outbox, working once it is stopped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { startAedes } from '../helpers/brokers.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';

test('outbox tools: locked while running, stats and export after stop', async () => {
  const broker = await startAedes();
  const proxy = await startTcpProxy(broker.port);
  proxy.down();
  const daemon = await startTestDaemon(proxy.url);
  try {
    await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(4), rate: 1000, count: 25 });
    const locked = await runCli(['outbox', 'stats', '--dir', daemon.dir]);
    assert.is(locked.code, 1);
    assert.match(locked.stderr, /locked by another process: the lora-edge daemon holds this lock while it runs/);
    assert.match(locked.stderr, /systemctl stop lora-edge/);

    await daemon.stop();
    const stats = await runCli(['outbox', 'stats', '--dir', daemon.dir]);
    assert.is(stats.code, 0, stats.stderr);
    assert.match(stats.stdout, /depth:\s+25 records/);
    assert.match(stats.stdout, /seq range:\s+1 \.\. 25 \(next seq 26\)/);
    const json = JSON.parse((await runCli(['outbox', 'stats', '--dir', daemon.dir, '--json'])).stdout);
    assert.is(json.depth, 25);

    const out = join(daemon.dir, '..', `export-${process.pid}.jsonl`);
    const exp = await runCli(['outbox', 'export', '--dir', daemon.dir, '--out', out]);
    assert.is(exp.code, 0, exp.stderr);
    assert.match(exp.stdout, /exported 25 records/);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.map((r) => r.seq), Array.from({ length: 25 }, (_, i) => i + 1));
    assert.is(lines[0].lorawan.mType, 'UnconfirmedDataUp');

    const missing = await runCli(['outbox', 'stats', '--dir', join(daemon.dir, 'nope')]);
    assert.is(missing.code, 1);
    assert.match(missing.stderr, /no outbox at .*nope\/outbox: the directory does not exist/);
    assert.not.ok(existsSync(join(daemon.dir, 'nope')), 'tools never create an outbox');
    assert.is((await runCli(['outbox', 'export', '--dir', daemon.dir])).code, 2, '--out is required');
  } finally {
    await daemon.destroy();
    await proxy.close();
    await broker.stop();
  }
});

test.run();
