// console inside the codec sandbox: lines reach the caller (tools) or the daemon log at debug
// with the codec id, rate-limited; formatting of objects and cycles; the per-call cap; lines
// logged before a throw; the same on the worker and the in-process engine.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadUserCodec, type UserCodec } from '../../../../src/codecs/sandbox/index.js';
import type { CodecEngine } from '../../../../src/codecs/sandbox/codec-engine.js';
import { InlineEngine } from '../../../../src/codecs/sandbox/inline-engine.js';
import { parseConsoleLines, type ConsoleLine } from '../../../../src/codecs/sandbox/sandbox-console.js';
import { ConsoleRateLimit } from '../../../../src/codecs/sandbox/console-rate-limit.js';
import { MAX_CONSOLE_LINES_PER_CALL } from '../../../../src/codecs/sandbox/limits.js';
import { codecFixture } from '../../../fixtures/codecs/paths.js';

const up = (fPort: number, bytes: number[] = [1, 2, 3]) => ({ bytes, fPort, recvTime: new Date(0) });

for (const [engineName, makeEngine] of [
  ['worker engine', () => undefined],
  ['in-process engine', () => new InlineEngine()],
] as Array<[string, () => CodecEngine | undefined]>) {
  const t = suite<{ codec: UserCodec; lines: ConsoleLine[] }>(`console (${engineName})`);
  t.before(async (ctx) => {
    ctx.lines = [];
    const engine = makeEngine();
    ctx.codec = await loadUserCodec(codecFixture('console-logging.js'), {
      quarantineAfter: 0,
      onConsole: (line) => ctx.lines.push(line),
      ...(engine ? { engine } : {}),
    });
  });
  t.after((ctx) => ctx.codec.dispose());
  t.before.each((ctx) => {
    ctx.lines.length = 0;
  });

  t('log/info/warn/error lines with Node-like formatting; the decode is unaffected', ({ codec, lines }) => {
    assert.equal(codec.decodeUplink(up(1)), { data: { n: 3 }, warnings: [], errors: [] });
    assert.equal(lines, [
      { level: 'log', text: "odd frame [ 1, 2, 3 ] { name: 'frame', size: 3, self: [Circular] }" },
      { level: 'info', text: 'payload has 3 bytes' },
      { level: 'warn', text: '{ nested: { deeper: { deepest: [Object] } } } [Function: helper]' },
      { level: 'error', text: '1970-01-01T00:00:00.000Z' },
    ]);
  });

  t('at most 20 lines per call, then one line saying how many were dropped', ({ codec, lines }) => {
    assert.equal(codec.decodeUplink(up(5)).data, { n: 3 });
    assert.is(lines.length, MAX_CONSOLE_LINES_PER_CALL + 1);
    assert.equal(lines[0], { level: 'log', text: 'line 0' });
    assert.equal(lines[MAX_CONSOLE_LINES_PER_CALL], { level: 'warn', text: '30 more console lines dropped (at most 20 per call)' });
    // The next call starts with an empty buffer.
    lines.length = 0;
    codec.decodeUplink(up(1));
    assert.is(lines.length, 4);
  });

  t('lines logged before the codec throws still arrive', ({ codec, lines }) => {
    const out = codec.decodeUplink(up(6));
    assert.equal(out.errors, ['codec threw Error: cannot decode (console-logging.js line 12)']);
    assert.equal(lines, [{ level: 'error', text: 'about to fail on [ 1, 2, 3 ]' }]);
  });

  t.run();
}

const daemon = suite('console in the daemon log');

daemon('without onConsole: debug lines with the codec id, rate-limited, with the count held back', async () => {
  const logged: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const logger = {
    debug: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }),
    warn: () => undefined,
  };
  const codec = await loadUserCodec(codecFixture('console-logging.js'), { logger });
  try {
    for (let i = 0; i < 5; i++) codec.decodeUplink(up(5)); // 5 x 21 lines
    const consoleLines = logged.filter((l) => l.message === 'codec console');
    // The burst (20) passes, the rest is held back.
    assert.is(consoleLines.length, 20);
    assert.equal(consoleLines[0].fields, { codec: 'console-logging', console: 'log', line: 'line 0' });
  } finally {
    codec.dispose();
  }
});

daemon.run();

const pure = suite('console helpers');

pure('ConsoleRateLimit: burst, refill per minute, held-back count reported once', () => {
  let now = 0;
  const limit = new ConsoleRateLimit({ burst: 2, perMinute: 6, now: () => now });
  assert.is(limit.admit(), 0);
  assert.is(limit.admit(), 0);
  assert.is(limit.admit(), undefined);
  assert.is(limit.admit(), undefined);
  now += 10_000; // one token per 10 s
  assert.is(limit.admit(), 2);
  assert.is(limit.admit(), undefined);
  now += 60 * 60_000; // refills to the burst, not beyond
  assert.is(limit.admit(), 1);
  assert.is(limit.admit(), 0);
  assert.is(limit.admit(), undefined);
});

pure('parseConsoleLines keeps only well-formed lines from the sandbox', () => {
  assert.equal(parseConsoleLines(''), []);
  assert.equal(parseConsoleLines('not json'), []);
  assert.equal(parseConsoleLines('{"a":1}'), []);
  assert.equal(parseConsoleLines('[["log","ok"],["shout","x"],["warn",5],"x",["error","e"]]'), [
    { level: 'log', text: 'ok' },
    { level: 'error', text: 'e' },
  ]);
  const long = parseConsoleLines(JSON.stringify([['log', 'x'.repeat(2000)]]));
  assert.is(long[0].text.length, 503);
});

pure.run();
