// The choice between pretty and JSON log lines, and the tail of warnings the page shows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { chooseLogFormat, createLogger, logTailOf } from '../../src/log.js';
import { LogTail } from '../../src/log-tail.js';

test('auto: pretty on a TTY, JSON elsewhere; colours only on a TTY without NO_COLOR', () => {
  assert.equal(chooseLogFormat('auto', { isTTY: true }, {}), { format: 'pretty', colour: true });
  assert.equal(chooseLogFormat('auto', { isTTY: false }, {}), { format: 'json', colour: false });
  assert.equal(chooseLogFormat('auto', {}, {}), { format: 'json', colour: false });
  assert.equal(chooseLogFormat('auto', { isTTY: true }, { NO_COLOR: '1' }), { format: 'pretty', colour: false });
  assert.equal(chooseLogFormat('auto', { isTTY: true }, { NO_COLOR: '' }), { format: 'pretty', colour: true }, 'an empty NO_COLOR does not count');
  assert.equal(chooseLogFormat('auto', { isTTY: true }, { TERM: 'dumb' }), { format: 'pretty', colour: false });
  assert.equal(chooseLogFormat('pretty', { isTTY: false }, {}), { format: 'pretty', colour: false }, 'forced pretty into a pipe: no escape codes');
  assert.equal(chooseLogFormat('json', { isTTY: true }, {}), { format: 'json', colour: false });
});

function sink(): { stream: Writable; text: () => string } {
  let out = '';
  return { stream: new Writable({ write: (c, _e, done) => ((out += c), done()) }), text: () => out };
}

test('pretty lines: one per event, the part first, no colour into a stream', () => {
  const s = sink();
  const log = createLogger({ format: 'pretty', destination: s.stream });
  log.child({ part: 'mqtt' }).warn({ err: 'connect ECONNREFUSED', url: 'mqtt://x' }, 'MQTT connection error');
  const lines = s.text().trim().split('\n');
  assert.is(lines.length, 1);
  assert.match(lines[0], /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: mqtt: MQTT connection error \{"err":"connect ECONNREFUSED","url":"mqtt:\/\/x"\}$/);
});

test('JSON lines into a stream by default', () => {
  const s = sink();
  createLogger({ destination: s.stream }).info({ n: 1 }, 'hello');
  const line = JSON.parse(s.text());
  assert.is(line.msg, 'hello');
  assert.is(line.level, 'info');
});

test('the tail keeps warnings and errors only, bounded, newest first, without the other fields', () => {
  const tail = new LogTail(3);
  const log = createLogger({ level: 'debug', destination: sink().stream, tail });
  assert.is(logTailOf(log), tail);
  log.info('not kept');
  log.child({ part: 'outbox' }).warn({ key: 'secret-looking-value' }, 'first warning');
  log.error(new Error('boom'), 'an error object');
  log.error({ err: new Error('inner') }, 'err field');
  log.fatal('the end');
  const recent = tail.recent();
  assert.is(recent.length, 3);
  assert.equal(recent.map((e) => e.msg), ['the end', 'err field', 'an error object']);
  assert.equal(recent.map((e) => e.err), [null, 'inner', 'boom']);
  assert.equal(tail.counts, { warn: 1, error: 2, fatal: 1 });
  assert.not.match(JSON.stringify(recent), /secret-looking-value/);
  const t2 = new LogTail(5);
  createLogger({ destination: sink().stream, tail: t2 }).child({ part: 'outbox' }).warn('x'.repeat(5000));
  assert.is(t2.recent()[0].part, 'outbox');
  assert.ok(t2.recent()[0].msg.length <= 300, 'long messages are shortened');
});

test.run();
