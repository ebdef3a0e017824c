// Hostile user codecs: each misbehaviour yields an `errors` entry naming it, is counted by reason,
// leaves the host running, and the next good call works on a fresh context. Consecutive failures
// quarantine a codec; dispose frees its sandbox runtime.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { createLogger } from '../../../../src/log.js';
import { loadUserCodec, loadUserCodecFromSource, sharedSandboxEngine, type UserCodec } from '../../../../src/codecs/sandbox/index.js';
import type { CodecFailureReason } from '../../../../src/codecs/sandbox/errors.js';
import { codecFixture } from '../../../fixtures/codecs/paths.js';

const RECV = new Date('2024-05-01T10:00:00.000Z');

function uplink(codec: UserCodec, fPort: number) {
  return codec.decodeUplink({ bytes: [1], fPort, recvTime: RECV });
}

/** fPort of hostile-by-port.js -> expected error text and counted reason. */
const HOSTILE: [string, number, string | RegExp, CodecFailureReason][] = [
  ['endless loop', 2, 'codec exceeded its 50 ms time limit', 'timeout'],
  ['huge allocation', 3, 'codec exceeded its 16 MiB memory limit', 'memory'],
  ['deep recursion', 4, 'codec exceeded the sandbox stack limit (recursion or nesting too deep)', 'stack'],
  ['throwing', 5, 'codec threw Error: sensor table corrupt (hostile-by-port.js line 13)', 'exception'],
  ['require', 6, "codec threw ReferenceError: 'require' is not defined (hostile-by-port.js line 14)", 'exception'],
  ['process', 7, "codec threw ReferenceError: 'process' is not defined (hostile-by-port.js line 15)", 'exception'],
  ['globalThis.fetch', 8, 'codec threw TypeError: not a function (hostile-by-port.js line 16)', 'exception'],
  ['import()', 9, 'codec returned invalid output: decodeUplink returned a Promise; codecs must return their result synchronously', 'invalid-output'],
  ['native built-in that ignores the interrupt', 10, 'codec exceeded its 50 ms time limit (stopped by the watchdog; the sandbox was restarted)', 'timeout'],
  ['function in output', 11, 'codec returned invalid output: data.callback is a function, which JSON cannot carry', 'invalid-output'],
  ['NaN in output', 12, 'codec returned invalid output: data.temperature is NaN, which JSON cannot carry', 'invalid-output'],
  ['circular output', 13, 'codec returned invalid output: data.self is a circular reference', 'invalid-output'],
  ['oversized output', 14, /^codec output is 1000\d\d characters when serialized, over the 65536-byte limit$/, 'output-too-large'],
  ['throwing a string', 15, 'codec threw a non-Error value: just a string', 'exception'],
  ['deeply nested eval', 16, 'codec exceeded the sandbox stack limit (recursion or nesting too deep)', 'stack'],
  ['non-object result', 17, 'codec returned invalid output: decodeUplink returned a number instead of an object', 'invalid-output'],
  ['BigInt in output', 19, 'codec returned invalid output: data.big is a BigInt, which JSON cannot carry (convert it to a number or string)', 'invalid-output'],
  ['Infinity deep in output', 20, 'codec returned invalid output: data.readings[1].v is Infinity, which JSON cannot carry', 'invalid-output'],
  // data is level 1, so the 33rd object sits at data + 32 x .next
  ['output nested too deep', 21, `codec returned invalid output: data${'.next'.repeat(32)} is nested more than 32 levels deep`, 'invalid-output'],
];

const hostile = suite<{ codec: UserCodec }>('hostile calls');

hostile.before(async (ctx) => {
  ctx.codec = await loadUserCodec(codecFixture('hostile-by-port.js'), { quarantineAfter: 0 });
});
hostile.after((ctx) => ctx.codec.dispose());

hostile('state persists between good calls of one context', ({ codec }) => {
  assert.equal(uplink(codec, 1).data, { calls: 1 });
  assert.equal(uplink(codec, 1).data, { calls: 2 });
});

for (const [what, fPort, expected, reason] of HOSTILE) {
  hostile(`${what}: error names it, is counted, next good call runs on a fresh context`, ({ codec }) => {
    const before = codec.failuresByReason[reason];
    const failuresBefore = codec.failures;
    const out = uplink(codec, fPort);
    assert.is(out.data, null);
    assert.is(out.warnings.length, 0);
    assert.is(out.errors.length, 1);
    if (typeof expected === 'string') assert.is(out.errors[0], expected);
    else assert.match(out.errors[0], expected);
    assert.is(codec.failuresByReason[reason], before + 1);
    assert.is(codec.failures, failuresBefore + 1);
    // The failed context was discarded, so the counter starts again.
    assert.equal(uplink(codec, 1), { data: { calls: 1 }, warnings: [], errors: [] });
    assert.is(codec.consecutiveFailures, 0);
  });
}

hostile('Dates become ISO strings and undefined is dropped like JSON does', ({ codec }) => {
  const out = uplink(codec, 18);
  assert.equal(out.data, { when: '1970-01-01T00:00:00.000Z', list: [1, null, 'two'] });
});

hostile('the watchdog case restarted the sandbox worker, which runs again', () => {
  const info = sharedSandboxEngine().info();
  assert.ok(info.restarts >= 1);
  assert.match(info.lastRestartReason ?? '', /^a request did not return within 500 ms$/);
  assert.is(info.running, true);
});

hostile.run();

const quarantine = suite('quarantine');

function captureLog(): { lines: () => Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    logger: createLogger({ level: 'warn', destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

quarantine('after N consecutive failures calls stop running; the warning is logged once', async () => {
  const log = captureLog();
  const codec = await loadUserCodec(codecFixture('hostile-by-port.js'), { quarantineAfter: 3, logger: log.logger });
  try {
    uplink(codec, 5);
    uplink(codec, 5);
    assert.is(codec.quarantined, false);
    // A success resets the consecutive count.
    assert.equal(uplink(codec, 1).data, { calls: 1 });
    assert.is(codec.consecutiveFailures, 0);
    uplink(codec, 5);
    uplink(codec, 5);
    assert.is(codec.quarantined, false);
    uplink(codec, 5);
    assert.is(codec.quarantined, true);
    assert.is(codec.failures, 5);

    // Quarantined: even a good call returns the quarantine error without running.
    const blocked = uplink(codec, 1);
    assert.equal(blocked, { data: null, warnings: [], errors: ['codec quarantined after 3 consecutive failures'] });
    assert.equal(uplink(codec, 2).errors, ['codec quarantined after 3 consecutive failures']);
    assert.is(codec.failures, 5);

    const warnings = log.lines().filter((l) => l.msg === 'codec quarantined after 3 consecutive failures');
    assert.is(warnings.length, 1);
    assert.is(warnings[0].level, 'warn');
    assert.is(warnings[0].codec, 'hostile-by-port');
    assert.is(warnings[0].error, 'codec threw Error: sensor table corrupt (hostile-by-port.js line 13)');

    codec.releaseQuarantine();
    assert.is(codec.quarantined, false);
    assert.equal(uplink(codec, 1).data, { calls: 1 });
  } finally {
    codec.dispose();
  }
});

quarantine('default is 5 consecutive failures', async () => {
  const codec = await loadUserCodecFromSource('function decodeUplink(input) { throw new Error("always"); }', 'always-throws');
  try {
    for (let i = 0; i < 4; i++) uplink(codec, 1);
    assert.is(codec.quarantined, false);
    uplink(codec, 1);
    assert.is(codec.quarantined, true);
    assert.equal(uplink(codec, 1).errors, ['codec quarantined after 5 consecutive failures']);
  } finally {
    codec.dispose();
  }
});

quarantine.run();

const lifecycle = suite('dispose');

lifecycle('dispose frees the sandbox runtime; the worker stops with the last codec', async () => {
  const engine = sharedSandboxEngine();
  const a = await loadUserCodec(codecFixture('acme-th1-ts013.js'));
  const b = await loadUserCodec(codecFixture('acme-th1-v3.js'));
  assert.equal(engine.stats(), { codecs: 2, liveContexts: 2 });
  a.dispose();
  assert.equal(engine.stats(), { codecs: 1, liveContexts: 1 });
  assert.equal(a.decodeUplink({ bytes: [1], fPort: 1, recvTime: RECV }).errors, ['codec has been disposed']);
  b.dispose();
  b.dispose();
  const info = engine.info();
  assert.is(info.users, 0);
  assert.is(info.running, false);
  assert.is(engine.stats(), undefined);
});

lifecycle.run();
