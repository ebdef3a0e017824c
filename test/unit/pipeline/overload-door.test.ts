// The overload door: closes at either bound, stays closed until both halve, counts what the sources
// refuse, and logs one warning when an episode starts and one (with its count) when it ends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log.js';
import { OverloadDoor } from '../../../src/pipeline/overload-door.js';

function rig(maxWaitingRecords = 100, maxWaitingBytes = 10_000) {
  const load = { records: 0, bytes: 0 };
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  let now = 1000;
  const door = new OverloadDoor({ waiting: () => load, maxWaitingRecords, maxWaitingBytes, logger: createLogger({ level: 'info', destination }), now: () => now });
  return { door, load, lines, tick: (ms: number) => (now += ms) };
}

const flush = () => new Promise((r) => setImmediate(r));

test('closes at the record bound, opens again below half of it', async () => {
  const { door, load, lines, tick } = rig();
  load.records = 99;
  assert.ok(door.open);
  load.records = 100;
  assert.not.ok(door.open);
  door.refused('udp', 8);
  door.refused('udp', 3);
  load.records = 51;
  assert.not.ok(door.open, 'still above half');
  tick(250);
  load.records = 50;
  assert.ok(door.open);
  assert.ok(door.open, 'stays open');
  await flush();
  assert.is(lines.length, 2, 'one line at the start, one at the end');
  assert.is(lines[0]!.maxWaitingRecords, 100);
  assert.is(lines[0]!.waitingRecords, 100);
  assert.is(lines[1]!.refusedFrames, 11);
  assert.is(lines[1]!.durationMs, 250);
  assert.equal(door.counters(), { open: true, refused: { overload: 11 }, episodes: 1, maxWaitingRecords: 100, maxWaitingBytes: 10_000 });
});

test('closes at the byte bound too, and both must halve', () => {
  const { door, load } = rig();
  load.bytes = 10_000;
  assert.not.ok(door.open);
  load.bytes = 4000;
  load.records = 60;
  assert.not.ok(door.open, 'records still above half');
  load.records = 10;
  assert.ok(door.open);
  load.records = 100;
  assert.not.ok(door.open);
  assert.is(door.counters().episodes, 2);
  assert.not.ok(door.counters().open);
});

test('counters() looks at the load: a drained outbox opens the door without a new frame', () => {
  const { door, load } = rig();
  load.records = 500;
  assert.not.ok(door.open);
  load.records = 0;
  assert.ok(door.counters().open);
});

test.run();
