import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Episode } from '../../../src/outbox/episode.js';
import { SerialQueue } from '../../../src/serial-queue.js';
import { createProgressBar, renderProgressBar } from '../../../src/outbox/progress.js';
import { OutboxLockedError, isLockedError } from '../../../src/outbox/errors.js';

test('episode reports its start once and its total at the end', () => {
  const ep = new Episode();
  assert.is(ep.end(0), null, 'nothing to end yet');
  assert.is(ep.record(3, 1000), true, 'first record starts the episode');
  assert.is(ep.record(2, 1500), false);
  assert.is(ep.record(1, 1700), false);
  assert.ok(ep.active);
  assert.equal(ep.end(4000), { affected: 6, durationMs: 3000 });
  assert.not.ok(ep.active);
  assert.is(ep.record(1, 5000), true, 'a new episode starts after the end');
  assert.equal(ep.end(5000), { affected: 1, durationMs: 0 });
});

test('serial queue runs jobs one at a time in call order, surviving failures', async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  const job = (name: string, ms: number, fail = false) => () =>
    new Promise<string>((resolve, reject) =>
      setTimeout(() => {
        log.push(name);
        if (fail) reject(new Error(name));
        else resolve(name);
      }, ms),
    );
  const a = q.run(job('a', 20));
  const b = q.run(job('b', 1, true));
  const c = q.run(job('c', 1));
  assert.is(await a, 'a');
  await b.then(() => assert.unreachable('b must reject'), (e: Error) => assert.is(e.message, 'b'));
  assert.is(await c, 'c');
  await q.idle();
  assert.equal(log, ['a', 'b', 'c']);
});

test('progress bar renders fill, percent and counts', () => {
  assert.is(renderProgressBar(500, 1000, 10), '[#####.....] 50% 500/1000');
  assert.is(renderProgressBar(0, 1000, 10), '[..........] 0% 0/1000');
  assert.is(renderProgressBar(1000, 1000, 10), '[##########] 100% 1000/1000');
  assert.is(renderProgressBar(1, 3, 6), '[##....] 33% 1/3');
  assert.is(renderProgressBar(0, 0, 4), '[####] 100% 0/0', 'empty job is complete');
  assert.is(renderProgressBar(5, 2, 4), '[####] 100% 5/2', 'overshoot is clamped in the bar only');
});

test('progress bar draws on a TTY only, redrawing only on change', () => {
  const written: string[] = [];
  const tty = { isTTY: true, write: (s: string) => (written.push(s), true) };
  const bar = createProgressBar(tty, 10);
  bar.update(1, 2);
  bar.update(1, 2);
  bar.update(2, 2);
  bar.finish();
  assert.equal(written, ['\r[#####.....] 50% 1/2', '\r[##########] 100% 2/2', '\n']);

  const piped: string[] = [];
  const plain = createProgressBar({ isTTY: false, write: (s: string) => (piped.push(s), true) }, 10);
  plain.update(1, 2);
  plain.finish();
  assert.equal(piped, []);
});

test('locked-error detection and message', () => {
  assert.ok(isLockedError({ code: 'LEVEL_DATABASE_NOT_OPEN', cause: { code: 'LEVEL_LOCKED' } }));
  assert.not.ok(isLockedError({ code: 'LEVEL_DATABASE_NOT_OPEN', cause: { code: 'LEVEL_IO_ERROR' } }));
  assert.not.ok(isLockedError(null));
  const err = new OutboxLockedError('/var/lib/lora-edge/outbox');
  assert.match(err.message, /\/var\/lib\/lora-edge\/outbox is locked/);
  assert.match(err.message, /daemon holds this lock/);
  assert.match(err.message, /Stop the daemon first/);
  assert.is(err.name, 'OutboxLockedError');
});

test.run();
