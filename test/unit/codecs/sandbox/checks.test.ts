// Pure parts of the codec sandbox: the host-side output check, input building, the classification
// of thrown values, failure counting and the worker message format.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkDecodeOutput, checkEncodeOutput, jsonDepth } from '../../../../src/codecs/sandbox/outcome.js';
import { downlinkBytesInputJson, downlinkInputJson, uplinkInputJson } from '../../../../src/codecs/sandbox/input.js';
import { classifyThrown, describeThrown, lineInStack } from '../../../../src/codecs/sandbox/thrown.js';
import { FailureTracker } from '../../../../src/codecs/sandbox/failure-tracker.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, type Request } from '../../../../src/codecs/sandbox/protocol.js';

const LIMITS = { timeLimitMs: 50, memoryLimitBytes: 16 * 1024 * 1024 };

test('decode output: all three keys, data null when absent', () => {
  assert.equal(checkDecodeOutput('{"data":{"t":21.5},"warnings":["w"],"errors":[]}'), {
    ok: true,
    value: { data: { t: 21.5 }, warnings: ['w'], errors: [] },
  });
  assert.equal(checkDecodeOutput('{"errors":["bad port"]}'), {
    ok: true,
    value: { data: null, warnings: [], errors: ['bad port'] },
  });
});

test('decode output: wrong shapes are invalid output with a reason', () => {
  const cases: [string, string][] = [
    ['[1,2]', 'the result is not an object'],
    ['{"data":[1]}', 'data must be an object'],
    ['{"data":{},"errors":[1]}', 'errors must be an array of strings'],
    ['{"warnings":"x"}', 'warnings must be an array of strings'],
    ['{oops', 'the result is not JSON'],
  ];
  for (const [json, reason] of cases) {
    assert.equal(checkDecodeOutput(json), {
      ok: false,
      reason: 'invalid-output',
      message: `codec returned invalid output: ${reason}`,
    });
  }
});

test('decode output: size limit counts UTF-8 bytes, nesting limit is 32 levels of data', () => {
  // 40,000 x 'é' is 40,000 characters but 80,000 UTF-8 bytes: over 64 KiB only when counted as bytes.
  const big = JSON.stringify({ data: { s: 'é'.repeat(40_000) } });
  const sized = checkDecodeOutput(big);
  assert.is(sized.ok, false);
  if (!sized.ok) {
    assert.is(sized.reason, 'output-too-large');
    assert.is(sized.message, `codec output is ${Buffer.byteLength(big)} bytes when serialized, over the 65536-byte limit`);
  }
  const nest = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
  assert.is(checkDecodeOutput(`{"data":${nest(32)}}`).ok, true);
  assert.is(checkDecodeOutput(`{"data":${nest(33)}}`).ok, false);
  assert.is(jsonDepth(JSON.parse(nest(5))), 5);
  assert.is(jsonDepth(7), 0);
});

test('encode output: bytes, fPort range and the requested fPort fallback', () => {
  assert.equal(checkEncodeOutput('{"bytes":[1,255],"fPort":5,"warnings":[],"errors":[]}'), {
    ok: true,
    value: { warnings: [], errors: [], bytes: [1, 255], fPort: 5 },
  });
  assert.equal(checkEncodeOutput('{"bytes":[7]}', 12), { ok: true, value: { warnings: [], errors: [], bytes: [7], fPort: 12 } });
  assert.equal(checkEncodeOutput('{"errors":["no"]}'), { ok: true, value: { warnings: [], errors: ['no'] } });
  const bad: [string, string][] = [
    ['{"bytes":[1,256]}', 'bytes[1] is 256, not a byte (0-255)'],
    ['{"bytes":[1.5]}', 'bytes[0] is 1.5, not a byte (0-255)'],
    ['{"bytes":[1],"fPort":0}', 'fPort 0 is not an application port (1-223)'],
    ['{"bytes":[1],"fPort":224}', 'fPort 224 is not an application port (1-223)'],
    ['{}', 'encodeDownlink returned neither bytes nor errors'],
    [JSON.stringify({ bytes: new Array(243).fill(0) }), 'bytes has 243 bytes; a LoRaWAN application payload holds at most 242'],
  ];
  for (const [json, reason] of bad) {
    const out = checkEncodeOutput(json);
    assert.equal(out, { ok: false, reason: 'invalid-output', message: `codec returned invalid output: ${reason}` }, json);
  }
});

test('uplink input: ISO recvTime, default variables, readable refusals', () => {
  const recvTime = new Date('2024-05-01T10:00:00.000Z');
  assert.equal(uplinkInputJson({ bytes: [0, 255], fPort: 2, recvTime }), {
    ok: true,
    json: '{"bytes":[0,255],"fPort":2,"recvTime":"2024-05-01T10:00:00.000Z","variables":{}}',
  });
  const viaBuffer = uplinkInputJson({ bytes: Buffer.from([9]) as unknown as number[], fPort: 2, recvTime });
  assert.is(viaBuffer.ok && viaBuffer.json.startsWith('{"bytes":[9],'), true);
  assert.equal(uplinkInputJson({ bytes: [1], fPort: 256, recvTime }), {
    ok: false,
    message: 'invalid codec input: fPort 256 is not an integer 0-255',
  });
  assert.equal(uplinkInputJson({ bytes: [1], fPort: 1, recvTime, variables: { a: 1 as unknown as string } }), {
    ok: false,
    message: 'invalid codec input: variables.a must be a string',
  });
});

test('downlink inputs: data must be an object and serializable', () => {
  assert.equal(downlinkInputJson({ data: { on: true }, fPort: 3 }), {
    ok: true,
    json: '{"data":{"on":true},"variables":{},"fPort":3}',
  });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const refused = downlinkInputJson({ data: cyclic });
  assert.is(refused.ok, false);
  assert.match(refused.ok ? '' : refused.message, /^invalid codec input: not serializable as JSON \(/);
  assert.equal(downlinkInputJson({ data: [] as unknown as Record<string, unknown> }), {
    ok: false,
    message: 'invalid codec input: data must be an object',
  });
  assert.equal(downlinkBytesInputJson({ bytes: [2], fPort: 10 }), { ok: true, json: '{"bytes":[2],"fPort":10,"variables":{}}' });
});

test('thrown values: limit errors are classified, others keep name, message and codec line', () => {
  const stack = '    at readTemp (sensor.js:12:9)\n    at decodeUplink (sensor.js:30:3)\n';
  assert.is(lineInStack(stack, 'sensor.js'), 12);
  assert.is(lineInStack('    at <eval> (other.js:3:1)\n', 'sensor.js'), undefined);

  const info = describeThrown({ name: 'TypeError', message: 'x is not a function', stack }, 'sensor.js');
  assert.equal(info, { message: 'x is not a function', name: 'TypeError', line: 12 });
  assert.equal(classifyThrown(info, false, LIMITS, 'sensor.js'), {
    reason: 'exception',
    message: 'codec threw TypeError: x is not a function (sensor.js line 12)',
  });

  const interrupted = describeThrown({ name: 'InternalError', message: 'interrupted' }, 'sensor.js');
  assert.equal(classifyThrown(interrupted, true, LIMITS, 'sensor.js'), {
    reason: 'timeout',
    message: 'codec exceeded its 50 ms time limit',
  });
  // Before the deadline an "interrupted" error is just something the codec threw.
  assert.is(classifyThrown(interrupted, false, LIMITS, 'sensor.js').reason, 'exception');
  assert.equal(classifyThrown({ name: 'InternalError', message: 'out of memory' }, false, { ...LIMITS, memoryLimitBytes: 4 * 1024 * 1024 }, 'x.js'), {
    reason: 'memory',
    message: 'codec exceeded its 4 MiB memory limit',
  });
  assert.is(classifyThrown({ name: 'SyntaxError', message: 'stack overflow' }, false, LIMITS, 'x.js').reason, 'stack');
  assert.equal(classifyThrown(describeThrown(42, 'x.js'), false, LIMITS, 'x.js'), {
    reason: 'exception',
    message: 'codec threw a non-Error value: 42',
  });
  assert.is(describeThrown('y'.repeat(600), 'x.js').message.length, 503);
});

test('failure tracker: consecutive count, per-reason totals, quarantine once', () => {
  const tracker = new FailureTracker(2);
  assert.is(tracker.recordFailure('timeout'), false);
  tracker.recordSuccess();
  assert.is(tracker.recordFailure('memory'), false);
  assert.is(tracker.recordFailure('memory'), true);
  assert.is(tracker.recordFailure('memory'), false);
  assert.is(tracker.quarantined, true);
  assert.is(tracker.failures, 4);
  assert.is(tracker.byReason.memory, 3);
  assert.is(tracker.byReason.timeout, 1);
  assert.is(tracker.quarantineMessage(), 'codec quarantined after 2 consecutive failures');
  tracker.release();
  assert.is(tracker.quarantined, false);
  assert.is(tracker.consecutive, 0);

  const never = new FailureTracker(0);
  for (let i = 0; i < 10; i++) never.recordFailure('exception');
  assert.is(never.quarantined, false);
});

test('worker messages round-trip; call input crosses without re-escaping', () => {
  const requests: Request[] = [
    { op: 'call', handle: 7, entry: 'decodeDownlink', inputJson: '{"a":"tab\\there"}' },
    { op: 'unload', handle: 3 },
    { op: 'stats' },
    {
      op: 'load',
      load: { handle: 1, name: 'a.js', source: 'x', timeLimitMs: 50, loadTimeLimitMs: 200, memoryLimitBytes: 1 << 20 },
    },
  ];
  for (const req of requests) assert.equal(decodeRequest(encodeRequest(req)), req);
  assert.is(encodeRequest(requests[0]), 'C7\t2\t{"a":"tab\\there"}');
  assert.equal(decodeResponse(encodeResponse({ kind: 'ok', payload: '{"x":1}' })), { kind: 'ok', payload: '{"x":1}' });
  assert.equal(decodeResponse(encodeResponse({ kind: 'failure', failure: { reason: 'syntax', message: 'm', line: 3 } })), {
    kind: 'failure',
    failure: { reason: 'syntax', message: 'm', line: 3 },
  });
  assert.throws(() => decodeRequest('Q'), /unknown request tag "Q"/);
  assert.throws(() => decodeRequest('C1\t9\t{}'), /unknown entry/);
});

test.run();
