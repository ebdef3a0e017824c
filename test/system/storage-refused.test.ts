// A store whose file system refuses at start (full, read-only), on a real tmpfs: it is not damaged,
// so the daemon must neither repair it nor move it aside (which orphaned an outage's backlog: the
// daemon restarted on an empty outbox once space was back). The start fails with a clear error,
// and the next start after the cause is gone delivers the whole backlog. Needs root to mount;
// skipped with a printed line otherwise, unless the tier is required.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAedes } from '../helpers/brokers.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { freeUdpPort, startTestDaemon, TEST_GATEWAY_ID, type TestDaemon } from '../helpers/daemon.js';
import { TestHub } from '../helpers/hub.js';
import { mountTmpfs, rootTier, type Tmpfs } from '../helpers/tmpfs.js';
import { sampleRecord } from '../fixtures/outbox/records.js';
import { Outbox } from '../../src/outbox/index.js';
import { StoreUnavailableError } from '../../src/store-recovery.js';
import { runUdpTraffic } from '../../src/testing/udp-traffic.js';
import { generatedDevices } from '../../src/testing/end-devices.js';

const tier = rootTier();
const refused = suite('stores their file system refuses at start (tmpfs)');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function remount(fs: Tmpfs, mode: 'ro' | 'rw'): void {
  const r = spawnSync('mount', ['-o', `remount,${mode}`, fs.dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`remount ${mode} failed: ${r.stderr}`);
}

/** What `promise` was rejected with; null when it resolved. */
const failureOf = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => null, (err: unknown) => err);

/** Everything beside the store in its parent directory: a moved-aside copy would show here. */
const siblings = (parent: string) => readdirSync(parent).filter((f) => f !== 'filler').sort();

async function storeWith(dir: string, n: number): Promise<void> {
  const ob = await Outbox.open({ dir });
  for (let i = 1; i <= n; i++) ob.append(sampleRecord(i));
  await ob.flush();
  await ob.close();
}

const scenarios: Array<[string, () => Promise<void>]> = [
  [
    'the daemon does not start on a full disk, leaves its backlog alone, and delivers it all at the next start',
    async () => {
      const fs = mountTmpfs(16);
      const broker = await startAedes();
      const proxy = await startTcpProxy(broker.port);
      const hub = await TestHub.connect(broker.url);
      let daemon: TestDaemon | undefined;
      try {
        proxy.down();
        const dir = join(fs.dir, 'data');
        const udpPort = await freeUdpPort();
        daemon = await startTestDaemon(proxy.url, { storage: { dir } }, { dir, udpPort });
        const started = daemon;
        await runUdpTraffic({ target: daemon.udpTarget, gatewayEui: TEST_GATEWAY_ID, devices: generatedDevices(5), rate: 500, count: 40 });
        for (let i = 0; i < 100 && started.app.outbox!.stats().depth < 40; i++) await wait(50);
        assert.is(daemon.app.outbox!.stats().depth, 40, 'the backlog is stored');
        await daemon.stop();
        daemon = undefined;
        const before = siblings(dir);

        fs.fill(0);
        const attempt = startTestDaemon(proxy.url, { storage: { dir } }, { dir, udpPort });
        const error = await failureOf(attempt);
        if (!error) daemon = await attempt; // stopped in finally: the assertion below fails
        assert.ok(error instanceof StoreUnavailableError, `the start fails with StoreUnavailableError, not ${String(error)}`);
        assert.match((error as Error).message, /No space left on device/);
        assert.match((error as Error).message, /not damaged and was left as it is/);
        assert.equal(siblings(dir), before, 'nothing moved aside, nothing created');

        fs.release();
        daemon = await startTestDaemon(proxy.url, { storage: { dir } }, { dir, udpPort });
        assert.is(daemon.app.outbox!.stats().depth, 40, 'the whole backlog is there');
        assert.equal(daemon.app.snapshot().storeRecoveries, [], 'no repair, no move');
        proxy.up();
        await hub.waitForUnique(40);
        assert.equal(hub.seqs().slice(0, 40), Array.from({ length: 40 }, (_, i) => i + 1));
      } finally {
        await daemon?.stop();
        await hub.close();
        await proxy.close();
        await broker.stop();
        fs.unmount();
      }
    },
  ],
  [
    'a store on a file system remounted read-only is left as it is and opens whole once writable again',
    async () => {
      const fs = mountTmpfs(8);
      try {
        const dir = join(fs.dir, 'outbox');
        await storeWith(dir, 25);
        const before = siblings(fs.dir);
        remount(fs, 'ro');
        const error = await failureOf(Outbox.open({ dir, recoverDamaged: true })).finally(() => remount(fs, 'rw'));
        assert.ok(error instanceof StoreUnavailableError, String(error));
        assert.match((error as Error).message, /Read-only file system/);
        assert.equal(siblings(fs.dir), before);
        const ob = await Outbox.open({ dir, recoverDamaged: true });
        try {
          assert.equal([ob.stats().depth, ob.recovery], [25, null]);
        } finally {
          await ob.close();
        }
      } finally {
        fs.unmount();
      }
    },
  ],
  [
    'a damaged store on a full disk is not moved aside (a fresh one could not be written either); the next start repairs it',
    async () => {
      const fs = mountTmpfs(8);
      try {
        const dir = join(fs.dir, 'outbox');
        await storeWith(dir, 25);
        writeFileSync(join(dir, 'CURRENT'), 'garbage written by a dying SD card\n');
        const before = siblings(fs.dir);
        fs.fill(0);
        const error = await failureOf(Outbox.open({ dir, recoverDamaged: true }));
        assert.ok(error instanceof StoreUnavailableError, String(error));
        assert.equal(siblings(fs.dir), before, 'not moved aside');
        fs.release();
        const ob = await Outbox.open({ dir, recoverDamaged: true });
        try {
          assert.is(ob.recovery?.action, 'repaired');
          assert.is(ob.stats().depth, 25, 'the records survived');
        } finally {
          await ob.close();
        }
      } finally {
        fs.unmount();
      }
    },
  ],
];

if (!tier.available && !tier.required) {
  console.log('SKIP storage-refused: these tests mount a tmpfs and need root (CI runs as root)');
}
for (const [name, run] of scenarios) {
  if (!tier.available && !tier.required) refused.skip(`${name} (needs root)`);
  else
    refused(name, async () => {
      assert.ok(tier.available, 'the system tier is required (LORA_EDGE_SYSTEM_TESTS=require) and these tests need root to mount a tmpfs');
      await run();
    });
}
refused.run();
