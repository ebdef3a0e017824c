// Disk full while buffering, on a real (tmpfs) file system: the daemon stays up, failed appends are
// counted and logged once per episode, records go out live when connected, nothing already stored
// is lost, and storing resumes once space returns (LevelDB's sticky write error is cleared by a
// reopen). Needs root to mount; skipped with a printed line otherwise, unless the tier is required.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startAedes, type TestBroker } from '../helpers/brokers.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestDaemon, TEST_GATEWAY_ID, type TestDaemon } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { mountTmpfs, rootTier, type Tmpfs } from '../helpers/tmpfs.js';
import { captureLog } from '../fixtures/outbox/records.js';
import { healthOf } from '../../src/ops/snapshot.js';
import { outboxDir } from '../../src/app/storage-layout.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';

interface Rig {
  fs: Tmpfs;
  broker: TestBroker;
  proxy: TcpProxy;
  hub: TestHub;
  daemon: TestDaemon;
  lines: Array<{ level: string; msg: string }>;
  /** Stored record bytes that filled one LevelDB memtable (set by storeUpToMemtableFlush). */
  memtableBytes: number;
}

/** Free bytes left beside the dummy file: a few hundred records, then LevelDB's log write fails. */
const LEAVE_FREE = 256 * 1024;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(50);
  }
}

async function startRig(): Promise<Rig> {
  const fs = mountTmpfs(16);
  const opened: Array<() => Promise<void> | void> = [() => fs.unmount()];
  try {
    const broker = await startAedes();
    opened.unshift(() => broker.stop());
    const proxy = await startTcpProxy(broker.port);
    opened.unshift(() => proxy.close());
    const hub = await TestHub.connect(broker.url);
    opened.unshift(() => hub.close());
    const { logger, lines } = captureLog();
    const dir = join(fs.dir, 'data');
    const daemon = await startTestDaemon(proxy.url, { storage: { dir }, batch: { maxRecords: 200 } }, { dir, logger });
    await until(() => daemon.app.hub!.online, 'the daemon to connect', 10_000);
    return { fs, broker, proxy, hub, daemon, lines: lines as Rig['lines'], memtableBytes: 0 };
  } catch (err) {
    for (const close of opened) await close();
    throw err;
  }
}

async function stopRig(r: Rig | undefined): Promise<void> {
  if (!r) return;
  await r.daemon.stop();
  await r.hub.close();
  await r.proxy.close();
  await r.broker.stop();
  r.fs.unmount();
}

/** Sends frames until the outbox reports a failed write, then for `afterMs` more. */
async function trafficUntilWritesFail(r: Rig, afterMs: number): Promise<void> {
  const ctl = new AbortController();
  const traffic = runUdpTraffic({
    target: r.daemon.udpTarget,
    gatewayEui: TEST_GATEWAY_ID,
    devices: generatedDevices(20),
    rate: 300,
    count: Infinity,
    signal: ctl.signal,
  });
  try {
    await until(() => r.daemon.app.outbox!.stats().writeErrors > 0, 'an outbox write to fail on the full disk', 30_000);
    await wait(afterMs);
  } finally {
    ctl.abort();
    await traffic;
  }
}

/**
 * Stores records until LevelDB flushes its first memtable (a table file appears), then until the
 * second memtable is 85% full. A disk that fills now makes the next memtable flush fail, and that
 * failure is the one LevelDB keeps as a sticky error until the store is reopened.
 */
async function storeUpToMemtableFlush(r: Rig): Promise<void> {
  const dir = outboxDir(join(r.fs.dir, 'data'));
  const ob = () => r.daemon.app.outbox!.stats();
  const ctl = new AbortController();
  const traffic = runUdpTraffic({
    target: r.daemon.udpTarget,
    gatewayEui: TEST_GATEWAY_ID,
    devices: generatedDevices(20),
    rate: 1000,
    count: Infinity,
    signal: ctl.signal,
  });
  try {
    await until(() => readdirSync(dir).some((f) => f.endsWith('.ldb')), 'LevelDB to flush its first memtable', 30_000);
    const perMemtable = ob().appended;
    r.memtableBytes = Math.round((ob().bytes / Math.max(1, ob().depth)) * perMemtable);
    await until(() => ob().appended >= perMemtable * 1.85, 'the second memtable to be 85% full', 30_000);
  } finally {
    ctl.abort();
    await traffic;
  }
  await r.daemon.app.outbox!.flush();
}

function sendFrames(r: Rig, count: number, rate = 300) {
  return runUdpTraffic({ target: r.daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(20), rate, count });
}

const errorLines = (r: Rig, re: RegExp) => r.lines.filter((l) => l.level === 'error' && re.test(l.msg));

const tier = rootTier();
const diskFull = suite<{ rig?: Rig }>('outbox on a full disk (tmpfs)');
diskFull.after.each(async (ctx) => {
  await stopRig(ctx.rig);
  ctx.rig = undefined;
});

const scenarios: Array<[string, (ctx: { rig?: Rig }) => Promise<void>]> = [
  [
    'link down, disk fills: daemon stays up, failures counted and logged once, stored records kept; space back: storing resumes; link up: all stored records arrive, the rest counted',
    async (ctx) => {
      const r = (ctx.rig = await startRig());
      const ob = () => r.daemon.app.outbox!.stats();
      r.proxy.down();
      await until(() => !r.daemon.app.hub!.online, 'the daemon to notice the link is down', 10_000);

      await storeUpToMemtableFlush(r);
      const stored = ob();
      assert.is(stored.depth, stored.appended, 'everything so far is stored');
      const storedSeqs = { from: stored.firstSeq!, to: stored.lastSeq! };

      // Room for the log to reach the next memtable flush, not for the table that flush writes.
      r.fs.fill(Math.round(r.memtableBytes * 0.2));
      await trafficUntilWritesFail(r, 1500);
      await r.daemon.app.outbox!.flush();
      const full = r.daemon.app.snapshot();
      assert.ok(full.outbox.writeErrors >= 2, `several writes failed (${full.outbox.writeErrors})`);
      assert.ok(full.unstoredDropped > 0, 'records that could not be stored while offline are counted as dropped');
      assert.ok(full.outbox.depth >= stored.depth, 'nothing already stored was lost');
      assert.is(errorLines(r, /^outbox write failed \(/).length, 1, 'the outbox logs one error line per failure episode');
      assert.is(errorLines(r, /write failed while offline/).length, 1, 'the app logs one "dropped" line per episode, not one per group');

      r.fs.release();
      const before = ob();
      await sendFrames(r, 1200);
      await r.daemon.app.outbox!.flush();
      const after = ob();
      assert.ok(after.depth > before.depth + 600, `storing resumed once space returned (depth ${before.depth} -> ${after.depth})`);
      // The memtable flush that hit the full disk left LevelDB's sticky error: only a reopen clears it.
      assert.ok(after.reopens >= 1, 'the outbox reopened its store to clear the persistent write error');
      assert.is(after.lastSeq, after.nextSeq - 1, 'the newest record is stored');
      console.log(`  disk full, link down: writeErrors ${after.writeErrors}, reopens ${after.reopens}, unstored dropped ${r.daemon.app.snapshot().unstoredDropped}`);

      r.proxy.up();
      await until(() => ob().depth === 0, 'the backlog to drain', 30_000);
      // Every record delivered or counted; a record still on its way is given time, a lost one is not.
      const accounted = () => {
        const snap = r.daemon.app.snapshot();
        return r.hub.unique + snap.unstoredDropped + snap.outbox.dropped.write_error >= snap.outbox.appended;
      };
      await until(accounted, 'every record delivered or counted', 15_000).catch(() => undefined);
      const end = r.daemon.app.snapshot();
      const seqs = new Set(r.hub.seqs());
      for (let s = storedSeqs.from; s <= storedSeqs.to; s++) assert.ok(seqs.has(s), `record ${s}, stored before the disk filled, reached the hub`);
      assert.is(
        r.hub.unique + end.unstoredDropped + end.outbox.dropped.write_error,
        end.outbox.appended,
        `every record either reached the hub or was counted as dropped: ${JSON.stringify({ hub: r.hub.unique, unstoredDropped: end.unstoredDropped, outbox: end.outbox })}`,
      );
      if (end.unstoredDropped > 0) {
        assert.ok(healthOf(end).reasons.some((x) => /outbox writes failed/.test(x)), 'the health check names the loss');
      }
    },
  ],
  [
    'link up, disk full: records go out live; space back: stored records are acked and deleted again',
    async (ctx) => {
      const r = (ctx.rig = await startRig());
      const ob = () => r.daemon.app.outbox!.stats();
      await sendFrames(r, 300);
      await r.hub.waitForUnique(300, 15_000);

      r.fs.fill(LEAVE_FREE);
      await trafficUntilWritesFail(r, 2000);
      await r.daemon.app.outbox!.flush();
      const appended = ob().appended;
      await r.hub.waitForUnique(appended, 20_000);
      assert.is(r.daemon.app.snapshot().unstoredDropped, 0, 'connected: nothing was dropped, the unstored records went out live');
      assert.ok(ob().writeErrors > 0);
      assert.is(errorLines(r, /^outbox write failed \(/).length, 1, 'one error line per failure episode');

      r.fs.release();
      await sendFrames(r, 900);
      await r.daemon.app.outbox!.flush();
      await r.hub.waitForUnique(ob().appended, 20_000);
      await until(() => ob().depth === 0, 'acks to delete the delivered records again', 20_000);
      const end = ob();
      assert.ok(end.flushes > 0 && end.lastSeq === null, 'the store is empty: everything delivered was deleted');
      assert.is(r.hub.unique, end.appended, 'every record reached the hub');
      console.log(`  disk full, link up: writeErrors ${end.writeErrors}, reopens ${end.reopens}, duplicates at the hub ${r.hub.duplicates}`);
    },
  ],
];

if (!tier.available && !tier.required) {
  console.log('SKIP outbox-disk-full: these tests mount a tmpfs and need root (CI runs as root)');
}
for (const [name, run] of scenarios) {
  if (!tier.available && !tier.required) diskFull.skip(`${name} (needs root)`);
  else
    diskFull(name, async (ctx) => {
      assert.ok(tier.available, 'the system tier is required (LORA_EDGE_SYSTEM_TESTS=require) and these tests need root to mount a tmpfs');
      await run(ctx);
    });
}
diskFull.run();
