// The periodic jobs' content: the daily summary line and drops by reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log.js';
import { logDailySummary, dropsByReason, type JobContext } from '../../../src/ops/jobs.js';

function fakeContext(lines: string[]): JobContext {
  const destination = new Writable({ write(c, _e, done) { lines.push(c.toString()); done(); } });
  const pipeline = {
    counters: { received: 120, dropped: { crc_bad: 3 } },
    takeDevicesSeen: () => 7,
  };
  const outbox = { stats: () => ({ depth: 4, dropped: { overflow: 2, expired: 0, corrupt: 1, pending_overflow: 0, write_error: 0 } }) };
  const hub = { state: () => 'connected' };
  return { logger: createLogger({ level: 'info', destination }), pipeline, outbox, hub } as unknown as JobContext;
}

test('daily summary: frames since the last summary, devices seen, every drop reason', () => {
  const lines: string[] = [];
  const ctx = fakeContext(lines);
  const last = { received: 100 };
  logDailySummary(ctx, last);
  const line = JSON.parse(lines[0]);
  assert.is(line.msg, 'daily summary');
  assert.is(line.frames, 20);
  assert.is(line.devicesSeen, 7);
  assert.equal(line.drops, { crc_bad: 3, outbox_overflow: 2, outbox_corrupt: 1 });
  assert.is(line.outboxDepth, 4);
  assert.is(line.hub, 'connected');
  assert.is(last.received, 120, 'the next summary counts from here');
});

test('drops by reason merge the pipeline and the outbox, zeros left out', () => {
  assert.equal(dropsByReason(fakeContext([])), { crc_bad: 3, outbox_overflow: 2, outbox_corrupt: 1 });
});

test.run();
