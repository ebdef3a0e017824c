// Back-pressure under a UDP flood against a deliberately slow outbox disk: the door closes at its
// bound and refuses frames before parsing (counted, logged once per episode), the memory the outbox
// holds stays bounded, every accepted record reaches the hub in seq order, nothing accepted is
// dropped, and the daemon takes frames again once the disk keeps up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { startAedes } from '../helpers/brokers.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';
import { createLogger } from '../../src/log.js';
import { createMetricsRegistry } from '../../src/ops/metrics.js';
import { DEFAULT_MAX_WAITING_RECORDS } from '../../src/pipeline/overload-door.js';
import type { BatchWriter } from '../../src/outbox/options.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function warnLines(): { logger: ReturnType<typeof createLogger>; messages: string[] } {
  const messages: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) messages.push((JSON.parse(line) as { msg: string }).msg);
      done();
    },
  });
  return { logger: createLogger({ level: 'warn', destination }), messages };
}

test('a UDP flood against a slow disk: refused at the door, bounded, every accepted record delivered, recovers', async () => {
  const broker = await startAedes();
  const hub = await TestHub.connect(broker.url);
  let slowMs = 150;
  // Every group write waits slowMs first: a disk that takes ~1,700 records/s, far below the flood.
  const slowDisk = (write: BatchWriter): BatchWriter => async (ops, o) => {
    if (slowMs > 0) await wait(slowMs);
    return write(ops, o);
  };
  const { logger, messages } = warnLines();
  const daemon = await startTestDaemon(broker.url, {}, { logger, wrapOutboxWrite: slowDisk });
  const { app } = daemon;
  try {
    const online = Date.now() + 5000;
    while (!app.hub!.online && Date.now() < online) await wait(20);
    let maxWaiting = 0;
    let maxHeapMB = 0;
    const sampler = setInterval(() => {
      maxWaiting = Math.max(maxWaiting, app.outbox!.waiting().records);
      maxHeapMB = Math.max(maxHeapMB, process.memoryUsage().heapUsed / 2 ** 20);
    }, 5);
    const flood = await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(50), rate: 20_000, count: 20_000 });
    clearInterval(sampler);
    const udp = () => app.snapshot().sources[0]!.counters;
    assert.is(flood.framesSent, 20_000);
    assert.is(flood.pushTimeouts, 0, 'refused datagrams are acknowledged all the same');
    const refused = udp().frames_refused!;
    const intake = app.snapshot().intake!;
    console.log(`  flood: ${refused} frames refused in ${intake.episodes} episodes, outbox waiting at most ${maxWaiting} records (sampled), test heap at most ${maxHeapMB.toFixed(0)} MB`);
    assert.ok(refused > 0, 'the door refused frames');
    assert.is(intake.refused.overload, refused, 'the daemon total is the source count');
    assert.is(udp().rx_frames + refused, 20_000, 'every frame sent was either taken or refused');
    assert.ok(maxWaiting <= DEFAULT_MAX_WAITING_RECORDS + 8, `waiting records bounded (${maxWaiting})`);
    const overloadLines = messages.filter((m) => m.startsWith('overload: '));
    assert.ok(overloadLines.length >= 1 && overloadLines.length === intake.episodes, 'one warning per episode');
    const metrics = await createMetricsRegistry(() => app.snapshot()).metrics();
    assert.match(metrics, new RegExp(`lora_edge_frames_refused_total\\{reason="overload"\\} ${refused}\\n`));

    // The disk keeps up again: everything accepted is delivered, and new frames are taken.
    slowMs = 0;
    const accepted = app.pipeline!.counters.forwarded;
    assert.is(accepted, udp().rx_frames, 'every frame taken was stored');
    await hub.waitForUnique(accepted, 60_000);
    const open = Date.now() + 10_000;
    while (!app.snapshot().intake!.open && Date.now() < open) await wait(20);
    assert.ok(app.snapshot().intake!.open, 'the door opened again');
    assert.ok(messages.some((m) => m.startsWith('overload over: ')), 'the end of the episode is logged with its count');
    const after = await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(50), rate: 500, count: 500 });
    assert.is(after.framesSent, 500);
    await hub.waitForUnique(accepted + 500, 30_000);
    assert.is(udp().frames_refused, refused, 'nothing refused once the disk keeps up');
    assert.equal(hub.seqs(), Array.from({ length: accepted + 500 }, (_, i) => i + 1), 'every accepted record, in seq order');
    const st = app.outbox!.stats();
    assert.equal(st.dropped, { overflow: 0, expired: 0, corrupt: 0, pending_overflow: 0, write_error: 0 }, 'nothing accepted was dropped');
  } finally {
    await daemon.destroy();
    await hub.close();
    await broker.stop();
  }
});

test.run();
