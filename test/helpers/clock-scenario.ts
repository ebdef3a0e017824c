// The daemon-level test of capture times (issue 14 part 4), run against any real broker (aedes in the
// default tier, mosquitto in the system tier). The gateway's clock is simulated one day behind with a
// `file:` sync source (its test offset), never by touching the machine's clock; the backhaul is cut
// while frames are captured, the clock is "stepped" by writing `yes`, more frames follow, then the
// backhaul returns. Every record must arrive once: the ones captured before the step corrected to the
// true time, the later ones synchronised.
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import { buildDataUplink } from '../../src/lorawan/builders.js';
import { unixMsToGpsMs } from '../../src/clock/gps-time.js';
import type { HubBatch } from '../../src/mqtt/hub-batch.js';
import type { BatchRecord } from '../../src/outbox/record.js';
import type { TestBroker } from './brokers.js';
import { Collector } from './mqtt-collector.js';
import { startTestDaemon } from './daemon.js';
import { startTcpProxy } from './tcp-proxy.js';
import { ABP, assertValidBatch } from './spine-scenarios.js';

const DAY = 86_400_000;
const PREFIX = 'eu868';

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function clockStepScenario(broker: TestBroker): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-clock-step-'));
  const clockFile = join(dir, 'clock');
  writeFileSync(clockFile, `no offsetMs=${-DAY}\n`);
  const proxy = await startTcpProxy(broker.port);
  const collector = await Collector.connect(broker.url, [`${PREFIX}/gateway/+/hub/batch`]);
  const daemon = await startTestDaemon(proxy.url, {
    mqtt: { topicPrefix: PREFIX },
    // Records one day old by the unsynchronised clock would expire under a 12 h bound, were they
    // not judged by their corrected time.
    storage: { maxAge: '12h' },
    clock: { syncSource: `file:${clockFile}`, pollInterval: '100ms' },
  });
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101', version: 2 });
  const app = daemon.app;
  try {
    await until(() => app.hub!.online, 'the first connection');
    proxy.down();
    await until(() => !app.hub!.online, 'the backhaul cut');

    const before = Date.now();
    const send = async (fCnt: number, withGps: boolean) => {
      const payload = buildDataUplink({ ...ABP, fCnt32: fCnt, fPort: 1, payload: Buffer.from([fCnt & 0xff]) });
      const tmms = withGps ? unixMsToGpsMs(Date.now()) : undefined;
      await sim.pushRxpk([makeRxpk({ payload, tmst: fCnt * 1000, tmms })]);
    };
    for (let i = 1; i <= 20; i++) await send(i, i % 2 === 0);
    await until(() => app.outbox!.stats().depth === 20, '20 records stored while offline');
    assert.is(app.snapshot().clock?.synced, false);
    assert.is(app.snapshot().clock?.testOffsetMs, -DAY);
    const stepped = Date.now();

    writeFileSync(clockFile, 'yes\n');
    await until(() => app.snapshot().clock?.synced === true, 'the simulated sync');
    assert.is(app.snapshot().clock?.lastStepMs !== null && Math.abs(app.snapshot().clock!.lastStepMs! - DAY) < 1000, true, 'the step is seen');
    // Retention after the step: the records captured "a day ago" are judged by their true time.
    const swept = await app.outbox!.sweep();
    assert.is(swept.expired, 0, 'no pre-sync record expired by the step');
    assert.is(app.outbox!.stats().depth, 20);

    const afterSync = Date.now();
    for (let i = 21; i <= 30; i++) await send(i, false);
    await until(() => app.outbox!.stats().depth === 30, '30 records stored');

    proxy.up();
    const records = (): BatchRecord[] => collector.on('/hub/batch').flatMap((m) => (JSON.parse(m.payload.toString()) as HubBatch).records);
    await collector.waitFor(() => new Set(records().map((r) => r.seq)).size >= 30, '30 records at the hub', 20_000);
    await until(() => app.outbox!.stats().depth === 0, 'the outbox drained');
    const end = Date.now();

    for (const m of collector.on('/hub/batch')) assertValidBatch(JSON.parse(m.payload.toString()));
    const got = records();
    assert.equal(got.map((r) => r.seq), Array.from({ length: 30 }, (_, i) => i + 1), 'every record once, in seq order');
    for (const r of got) {
      const at = Date.parse(r.capturedAt);
      if (r.seq <= 20) {
        assert.is(r.clockSynced, false, `seq ${r.seq}`);
        assert.is(r.capturedAtCorrected, true, `seq ${r.seq}`);
        assert.ok(at >= before - 5 && at <= stepped + 5, `seq ${r.seq}: corrected ${r.capturedAt} within the capture window`);
        const local = Date.parse(r.capturedAtLocal!);
        assert.ok(Math.abs(at - DAY - local) < 1000, `seq ${r.seq}: the original stamp was a day behind (${r.capturedAtLocal})`);
        assert.is(r.replay, true);
        if (r.seq % 2 === 0) assert.ok(Math.abs(Date.parse(r.gpsTime!) - at) < 1000, `seq ${r.seq}: gpsTime ${r.gpsTime} agrees`);
        else assert.is(r.gpsTime, null);
      } else {
        assert.is(r.clockSynced, true, `seq ${r.seq}`);
        assert.is(r.capturedAtCorrected, false);
        assert.is(r.uncorrectedReason, undefined);
        assert.is(r.capturedAtLocal, undefined);
        assert.ok(at >= afterSync - 5 && at <= end, `seq ${r.seq}: ${r.capturedAt}`);
      }
      assert.match(r.bootId ?? 'none', /^([0-9a-f]{12}|none)$/);
    }
    const fwd = app.snapshot().forwarder;
    assert.is(fwd.capturedAtCorrected, 20);
  } finally {
    await sim.close();
    await collector.close();
    await daemon.destroy();
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
