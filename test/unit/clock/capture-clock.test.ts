// The daemon's clock with injected clocks: stamps carry the state last polled, the boot id and the
// monotonic capture time; a simulated step (a file source's test offset removed at sync) corrects
// the earlier captures to the true time; an unreadable state is logged once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CaptureClock } from '../../../src/clock/capture-clock.js';
import type { ClockReading, ClockSyncSource } from '../../../src/clock/sync-source.js';
import { silentLogger, type Logger } from '../../../src/log.js';

const BOOT = 'a0882cfe4e4e';
const DAY = 86_400_000;

function scripted(): ClockSyncSource & { next: ClockReading | Error } {
  const s = {
    name: 'scripted',
    next: { synced: null, offsetMs: 0 } as ClockReading | Error,
    read: async () => {
      if (s.next instanceof Error) throw s.next;
      return s.next;
    },
  };
  return s;
}

function rig() {
  const t = { wall: Date.UTC(2026, 11, 6, 8, 0, 0), mono: 600_000 };
  const source = scripted();
  const warnings: string[] = [];
  const logger = { ...silentLogger(), warn: (_o: unknown, msg: string) => warnings.push(msg) } as unknown as Logger;
  const clock = new CaptureClock({ source, pollIntervalMs: 60_000, logger, bootId: BOOT, monotonicMs: () => t.mono, wallMs: () => t.wall });
  const advance = (ms: number) => {
    t.wall += ms;
    t.mono += ms;
  };
  return { t, source, clock, warnings, advance };
}

test('a clock one day behind, then stepped: earlier captures come out at their true time', async () => {
  const { t, source, clock, advance } = rig();
  source.next = { synced: false, offsetMs: -DAY };
  await clock.poll();
  const trueCapture = t.wall;
  const stamp = clock.stamp(t.wall);
  assert.is(stamp.capturedAt, new Date(trueCapture - DAY).toISOString());
  assert.equal({ ...stamp, capturedAt: undefined }, { capturedAt: undefined, clockSynced: false, bootId: BOOT, monoMs: 600_000 });
  assert.equal(clock.correct(stamp), { kind: 'uncorrected', reason: 'not_synced_yet' });

  advance(90_000);
  source.next = { synced: true, offsetMs: 0 };
  await clock.poll();
  assert.equal(clock.correct(stamp), { kind: 'corrected', capturedAtMs: trueCapture });
  assert.is(clock.captureTimeOf(stamp), trueCapture);
  const r = clock.report();
  assert.is(r.synced, true);
  assert.is(r.lastStepMs, DAY);
  assert.is(r.syncedAt, t.wall);

  const later = clock.stamp(t.wall);
  assert.is(later.clockSynced, true);
  assert.equal(clock.correct(later), { kind: 'synced' });
  // From an earlier boot: cannot be corrected.
  assert.equal(clock.correct({ ...stamp, bootId: '0123456789ab' }), { kind: 'uncorrected', reason: 'earlier_boot' });
  await clock.stop();
});

test('the monotonic capture time is taken back to the receive time', async () => {
  const { t, clock } = rig();
  await clock.poll();
  const receivedAt = t.wall - 35; // the frame waited 35 ms (a codec) before it was stamped
  assert.is(clock.stamp(receivedAt).monoMs, t.mono - 35);
  assert.is(clock.stamp(t.wall + 10).monoMs, t.mono, 'a receive time ahead of now is not projected forward');
});

test('unknown state: clockSynced null, logged once, and a throwing source counts as unknown', async () => {
  const { source, clock, warnings } = rig();
  source.next = { synced: null, offsetMs: 0, problem: 'no systemd' };
  await clock.poll();
  source.next = new Error('boom');
  await clock.poll();
  await clock.poll();
  assert.is(clock.stamp(Date.now()).clockSynced, null);
  assert.is(clock.report().problem, 'boom');
  assert.is(warnings.filter((w) => /cannot tell/.test(w)).length, 1);
});

test('no boot id (not Linux): no monotonic time either, never corrected', async () => {
  const source = scripted();
  source.next = { synced: true, offsetMs: 0 };
  const clock = new CaptureClock({ source, pollIntervalMs: 60_000, logger: silentLogger(), bootId: null });
  await clock.start();
  const s = clock.stamp(Date.now());
  assert.equal([s.bootId, s.monoMs], [null, null]);
  assert.equal(clock.correct({ ...s, clockSynced: false }), { kind: 'uncorrected', reason: 'no_capture_clock' });
  await clock.stop();
});

test('this machine: the boot id and CLOCK_MONOTONIC agree with /proc', async () => {
  const clock = new CaptureClock({ source: scripted(), pollIntervalMs: 60_000, logger: silentLogger() });
  if (clock.bootId === null) {
    console.log('  no /proc/sys/kernel/random/boot_id here: skipped');
    return;
  }
  assert.match(clock.bootId, /^[0-9a-f]{12}$/);
  const { readFileSync } = await import('node:fs');
  const uptimeMs = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
  // /proc/uptime is CLOCK_BOOTTIME (suspend included), never less than CLOCK_MONOTONIC.
  const mono = clock.stamp(Date.now()).monoMs!;
  assert.ok(mono <= uptimeMs + 50, `${mono} vs ${uptimeMs}`);
});

test.run();
