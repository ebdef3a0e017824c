import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CommandTimeoutError, PortClosedError } from '../../../../src/radio/serial/errors.js';
import { Waitress } from '../../../../src/radio/serial/waitress.js';

test('a matching message resolves the wait; others are left to the caller', async () => {
  const waitress = new Waitress<number>();
  const wait = waitress.waitFor((n) => n > 10, 1000, 'big number');
  assert.is(waitress.offer(3), false);
  assert.is(waitress.offer(42), true);
  assert.is(await wait, 42);
  assert.is(waitress.pending, 0);
});

test('the oldest interested waiter gets the message first', async () => {
  const waitress = new Waitress<string>();
  const first = waitress.waitFor((s) => s.startsWith('a'), 1000, 'a');
  const second = waitress.waitFor((s) => s.startsWith('a'), 1000, 'a again');
  const other = waitress.waitFor((s) => s === 'b', 1000, 'b');
  waitress.offer('a1');
  waitress.offer('b');
  waitress.offer('a2');
  assert.equal(await Promise.all([first, second, other]), ['a1', 'a2', 'b']);
});

test('no reply in time rejects with CommandTimeoutError naming the command and the deadline', async () => {
  const waitress = new Waitress<number>();
  try {
    await waitress.waitFor(() => true, 20, 'PING');
    assert.unreachable('should have timed out');
  } catch (error) {
    assert.ok(error instanceof CommandTimeoutError);
    assert.is((error as Error).message, 'no reply to PING within 20 ms');
  }
  assert.is(waitress.pending, 0);
  // A late reply is then nobody's.
  assert.is(waitress.offer(1), false);
});

test('cancelAll rejects every pending wait and clears their timers', async () => {
  const waitress = new Waitress<number>();
  const waits = [waitress.waitFor(() => true, 60_000, 'x'), waitress.waitFor(() => true, 60_000, 'y')];
  waitress.cancelAll(new PortClosedError());
  const results = await Promise.allSettled(waits);
  assert.equal(
    results.map((r) => r.status === 'rejected' && (r.reason as Error).name),
    ['PortClosedError', 'PortClosedError'],
  );
  assert.is(waitress.pending, 0);
});

test.run();
