// The periodic jobs' scheduler on real timers: jobs run on their schedule, a failure is logged and
// the job runs again, a job still running is skipped rather than stacked, and the scheduler
// touches Intl (about 8 MB of ICU data and code mapped in) only for a configured time zone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CronJobs, type Job } from '../../../src/ops/cron-jobs.js';
import { captureLog } from '../../fixtures/outbox/records.js';
import { until } from '../../../src/testing/serial/test-support.js';

/** Counts Intl.DateTimeFormat instances made while `fn` runs. */
async function countDateTimeFormats(fn: () => Promise<void>): Promise<number> {
  const original = Intl.DateTimeFormat;
  let made = 0;
  Intl.DateTimeFormat = new Proxy(original, {
    construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      made += 1;
      return new target(...args);
    },
    apply(target, _this, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      made += 1;
      return target(...args);
    },
  });
  try {
    await fn();
  } finally {
    Intl.DateTimeFormat = original;
  }
  return made;
}

test('a job runs every second on a seconds schedule; a failing one is logged and runs again', async () => {
  const { logger, lines } = captureLog();
  let ok = 0;
  let failing = 0;
  const jobs: Job[] = [
    { name: 'ok', schedule: '* * * * * *', run: () => void (ok += 1) },
    { name: 'failing', schedule: '* * * * * *', run: async () => { failing += 1; throw new Error('disk on fire'); } },
  ];
  const cron = new CronJobs(jobs, { logger });
  cron.start();
  try {
    await until(() => ok >= 2 && failing >= 2, 'two runs of each job', 5000);
  } finally {
    await cron.stop();
  }
  const failures = lines.filter((l) => l.msg === 'scheduled job failed');
  assert.ok(failures.length >= 2);
  assert.is(failures[0].job, 'failing');
  assert.is(failures[0].err, 'disk on fire');
  // Stopped: no further run.
  const after = ok;
  await new Promise((r) => setTimeout(r, 1300));
  assert.is(ok, after);
});

test('a job still running when its next turn comes is skipped, not stacked', async () => {
  const { logger, lines } = captureLog();
  let started = 0;
  let running = 0;
  let most = 0;
  let release: () => void = () => undefined;
  const jobs: Job[] = [{
    name: 'slow',
    schedule: '* * * * * *',
    run: async () => {
      started += 1;
      running += 1;
      most = Math.max(most, running);
      await new Promise<void>((r) => (release = r));
      running -= 1;
    },
  }];
  const cron = new CronJobs(jobs, { logger });
  cron.start();
  try {
    // Three more turns come while the first run waits.
    await until(() => lines.filter((l) => l.job === 'slow').length >= 3, 'three skipped turns', 6000);
    assert.is(started, 1);
    release();
    await until(() => started === 2, 'a run once the first run finished', 3000);
  } finally {
    release();
    await cron.stop();
  }
  assert.is(most, 1);
  assert.ok(lines.every((l) => l.msg === 'scheduled job still running: this turn is skipped'));
});

test('without a time zone the scheduler never makes an Intl.DateTimeFormat; with one it does, and runs on time', async () => {
  const { logger } = captureLog();
  let runs = 0;
  const plain = await countDateTimeFormats(async () => {
    const cron = new CronJobs([{ name: 'tick', schedule: '* * * * * *', run: () => void (runs += 1) }], { logger });
    cron.start();
    try {
      await until(() => runs >= 2, 'two runs', 5000);
    } finally {
      await cron.stop();
    }
  });
  assert.is(plain, 0);

  runs = 0;
  const zoned = await countDateTimeFormats(async () => {
    // A zone half an hour off whole hours: a wrong conversion would still tick, so the run's
    // wall-clock second is checked too.
    const seen: number[] = [];
    const cron = new CronJobs(
      [{ name: 'tick', schedule: '*/2 * * * * *', run: () => { runs += 1; seen.push(new Date().getUTCSeconds()); } }],
      { logger, timezone: 'Asia/Kolkata' },
    );
    cron.start();
    try {
      await until(() => runs >= 2, 'two zoned runs', 6000);
    } finally {
      await cron.stop();
    }
    // Kolkata's seconds are UTC's: an even second there is an even second here (a run may start
    // a few ms into the next second on a busy machine, hence the tolerance of one).
    const even = seen.filter((s) => s % 2 === 0).length;
    assert.ok(even >= seen.length - 1, `seconds seen: ${seen.join(',')}`);
  });
  assert.ok(zoned >= 1, 'the configured zone is applied through Intl');
});

/**
 * Runs `fn` with a clock that only moves when told: Date, process.hrtime and setTimeout (which
 * node-cron 3 reads) are replaced; `tick(ms)` moves the clock and fires the timer that is due.
 */
async function withFakeClock(startMs: number, fn: (tick: (ms: number) => Promise<void>) => Promise<void>): Promise<void> {
  const RealDate = Date;
  const realHrtime = process.hrtime;
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  let now = startMs;
  let timer: { at: number; fn: () => void } | null = null;
  class FakeDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now);
      else super(...(args as [number]));
    }
    static override now(): number {
      return now;
    }
  }
  const hrtime = ((previous?: [number, number]): [number, number] => {
    const ns = now * 1e6 - (previous ? previous[0] * 1e9 + previous[1] : 0);
    return [Math.floor(ns / 1e9), ns % 1e9];
  }) as typeof process.hrtime;
  hrtime.bigint = () => BigInt(now) * 1_000_000n;
  globalThis.Date = FakeDate as DateConstructor;
  process.hrtime = hrtime;
  globalThis.setTimeout = ((f: () => void, ms: number) => {
    timer = { at: now + ms, fn: f };
    return { ref() { return this; }, unref() { return this; }, hasRef: () => false } as unknown as NodeJS.Timeout;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = (() => { timer = null; }) as typeof clearTimeout;
  try {
    await fn(async (ms) => {
      now += ms;
      const due = timer;
      if (due && due.at <= now) {
        timer = null;
        due.fn();
      }
      // Let the jobs' promises settle before the next second.
      for (let i = 0; i < 5; i++) await Promise.resolve();
    });
  } finally {
    globalThis.Date = RealDate;
    process.hrtime = realHrtime;
    globalThis.setTimeout = realSetTimeout;
    globalThis.clearTimeout = realClearTimeout;
  }
}

test('a timer that runs late each second steps over seconds: their jobs still run (deterministic clock)', async () => {
  // Every tick comes 7 ms late, as on a loaded gateway: the second checked drifts, and every
  // 140 or so ticks one whole second is never "now" when the scheduler looks.
  const start = Date.UTC(2026, 0, 1, 0, 0, 0, 0) + 500;
  const ranAt: number[] = [];
  await withFakeClock(start, async (tick) => {
    const cron = new CronJobs([{ name: 'even', schedule: '*/2 * * * * *', run: () => void ranAt.push(Date.now()) }], { logger: captureLog().logger });
    cron.start();
    for (let i = 0; i < 2000; i++) await tick(1007);
    await cron.stop();
  });
  const elapsedSeconds = Math.floor((2000 * 1007 + 500) / 1000);
  const evenSeconds = Math.floor(elapsedSeconds / 2);
  // Once per even second, never twice: the run a late tick recovers is the one it stepped over.
  assert.ok(Math.abs(ranAt.length - evenSeconds) <= 1, `ran ${ranAt.length} times for ${evenSeconds} even seconds`);
});

test.run();
