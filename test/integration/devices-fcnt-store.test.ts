// Frame-counter state: grouped writes, values per DevAddr session, restart, malformed entries
// and the lock held against a second daemon.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { Level } from 'level';
import { FCntStore } from '../../src/devices/fcnt-store.js';
import { DeviceStateLockedError } from '../../src/devices/errors.js';
import { captureLogger, tempDir, waitFor } from '../fixtures/devices/helpers.js';

const EUI_A = '70b3d57ed0004001';
const EUI_B = '70b3d57ed0004002';

async function stored(dir: string): Promise<Record<string, string>> {
  const db = new Level<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  const out: Record<string, string> = {};
  for await (const [k, v] of db.iterator()) out[k] = v.toString('hex');
  await db.close();
  return out;
}

test('counters are written in one group at flush/close and read back per session', async () => {
  const tmp = tempDir();
  const dir = path.join(tmp, 'device-state');
  try {
    const store = await FCntStore.open(dir, { logger: captureLogger().logger, flushIntervalMs: 60_000 });
    for (let f = 1; f <= 100; f++) store.accept(EUI_A, 0x26014001, f);
    store.accept(EUI_B, 0x26014002, 0x12345);
    assert.is(store.last(EUI_A, 0x26014001), 100);
    assert.is(store.last(EUI_A, 0x26019999), undefined, 'another DevAddr is another session');
    assert.is(store.last('70b3d57ed000ffff', 0x26014001), undefined);
    await store.close();
    // 8 bytes: DevAddr BE, FCnt BE; only the last value of each device was written.
    assert.equal(await stored(dir), { [EUI_A]: '2601400100000064', [EUI_B]: '2601400200012345' });

    const again = await FCntStore.open(dir, { logger: captureLogger().logger });
    assert.is(again.size, 2);
    assert.is(again.last(EUI_B, 0x26014002), 0x12345);
    await again.close();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('the periodic flush writes without waiting for close', async () => {
  const tmp = tempDir();
  const dir = path.join(tmp, 'device-state');
  try {
    const store = await FCntStore.open(dir, { logger: captureLogger().logger, flushIntervalMs: 30 });
    store.accept(EUI_A, 1, 7);
    store.accept(EUI_B, 2, 8);
    assert.is(store.pendingWrites, 2);
    await waitFor(() => store.pendingWrites === 0, 2000, 'periodic flush');
    await store.close();
    assert.equal(await stored(dir), { [EUI_A]: '0000000100000007', [EUI_B]: '0000000200000008' });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('malformed entries are ignored with a warning', async () => {
  const tmp = tempDir();
  const dir = path.join(tmp, 'device-state');
  try {
    const db = new Level<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    await db.put(EUI_A, Buffer.from('0000000100000009', 'hex'));
    await db.put('garbage', Buffer.from('00', 'hex'));
    await db.put(EUI_B, Buffer.from('01', 'hex'));
    await db.close();
    const { logger, lines } = captureLogger();
    const store = await FCntStore.open(dir, { logger });
    assert.is(store.size, 1);
    assert.is(store.last(EUI_A, 1), 9);
    assert.ok(lines.some((l) => l.level === 'warn' && l.skipped === 2));
    await store.close();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a second open of the same state is refused with a typed error', async () => {
  const tmp = tempDir();
  const dir = path.join(tmp, 'device-state');
  const first = await FCntStore.open(dir, { logger: captureLogger().logger });
  try {
    let error: unknown;
    try {
      const second = await FCntStore.open(dir, { logger: captureLogger().logger });
      await second.close();
    } catch (err) {
      error = err;
    }
    assert.instance(error, DeviceStateLockedError);
    assert.match((error as Error).message, /locked by another process/);
  } finally {
    await first.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
