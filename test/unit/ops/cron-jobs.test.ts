// The periodic jobs' scheduler on real timers: jobs run on their schedule, a failure is logged and
// the job runs again, a job still running is skipped rather than stacked, and the scheduler
// touches Intl (about 8 MB of ICU data and code mapped in) only for a configured time zone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log.js';
import { CronJobs, type Job } from '../../../src/ops/cron-jobs.js';

function capturingLogger(lines: Array<Record<string, unknown>>) {
  const destination = new Writable({ write(c, _e, done) { lines.push(JSON.parse(c.toString())); done(); } });
  return createLogger({ level: 'debug', destination });
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

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
  const lines: Array<Record<string, unknown>> = [];
  let ok = 0;
  let failing = 0;
  const jobs: Job[] = [
    { name: 'ok', schedule: '* * * * * *', run: () => void (ok += 1) },
    { name: 'failing', schedule: '* * * * * *', run: async () => { failing += 1; throw new Error('disk on fire'); } },
  ];
  const cron = new CronJobs(jobs, { logger: capturingLogger(lines) });
  cron.start();
  try {
    assert.ok(await until(() => ok >= 2 && failing >= 2, 5000), `ok ran ${ok}, failing ran ${failing} times`);
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
  const lines: Array<Record<string, unknown>> = [];
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
  const cron = new CronJobs(jobs, { logger: capturingLogger(lines) });
  cron.start();
  try {
    // Three more turns come while the first run waits.
    assert.ok(await until(() => lines.filter((l) => l.job === 'slow').length >= 3, 6000));
    assert.is(started, 1);
    release();
    assert.ok(await until(() => started === 2, 3000), 'runs again once the first run finished');
  } finally {
    release();
    await cron.stop();
  }
  assert.is(most, 1);
  assert.ok(lines.every((l) => l.msg === 'scheduled job still running: this turn is skipped'));
});

test('without a time zone the scheduler never makes an Intl.DateTimeFormat; with one it does, and runs on time', async () => {
  const logger = capturingLogger([]);
  let runs = 0;
  const plain = await countDateTimeFormats(async () => {
    const cron = new CronJobs([{ name: 'tick', schedule: '* * * * * *', run: () => void (runs += 1) }], { logger });
    cron.start();
    try {
      assert.ok(await until(() => runs >= 2, 5000));
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
      assert.ok(await until(() => runs >= 2, 6000));
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

test.run();
