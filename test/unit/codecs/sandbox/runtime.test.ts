// CodecRuntime in-thread (what the sandbox worker runs per codec): one reused context, a fresh
// context after a failure, a fresh WebAssembly instance after a memory failure or an instance
// fault, and a memory cap that WebAssembly enforces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { QuickJSWASMModule } from 'quickjs-emscripten-core';
import { CodecRuntime, type ModuleFactory } from '../../../../src/codecs/sandbox/codec-runtime.js';
import { createModuleFactory } from '../../../../src/codecs/sandbox/quickjs-instances.js';
import type { LoadRequest } from '../../../../src/codecs/sandbox/protocol.js';

const realFactory = createModuleFactory();

/** Counts instances; `sabotage` makes the next instance throw like a corrupted one would. */
function countingFactory(): { factory: ModuleFactory; made: () => number; sabotageNext: () => void } {
  let made = 0;
  let sabotage = false;
  const factory: ModuleFactory = async (limitBytes) => {
    const module: QuickJSWASMModule = await realFactory(limitBytes);
    made += 1;
    if (sabotage) {
      sabotage = false;
      module.newRuntime = () => {
        throw new WebAssembly.RuntimeError('memory access out of bounds');
      };
    }
    return module;
  };
  return { factory, made: () => made, sabotageNext: () => (sabotage = true) };
}

const SOURCE = `
var calls = 0;
function decodeUplink(input) {
  calls += 1;
  if (input.fPort === 2) throw new Error('bad frame');
  if (input.fPort === 3) { var keep = []; for (;;) keep.push(new Float64Array(1 << 17)); }
  return { data: { calls: calls, first: input.bytes[0] } };
}`;

function request(memoryLimitBytes = 4 * 1024 * 1024): LoadRequest {
  return { handle: 1, name: 'counter.js', source: SOURCE, timeLimitMs: 1_000, loadTimeLimitMs: 1_000, memoryLimitBytes };
}

const input = (fPort: number): string =>
  JSON.stringify({ bytes: [7], fPort, recvTime: '2024-05-01T10:00:00.000Z', variables: {} });

test('a loaded codec reuses its context; a failure rebuilds it', async () => {
  const { factory, made } = countingFactory();
  const runtime = new CodecRuntime(request(), factory);
  assert.equal(await runtime.load(), { ok: true, info: { form: 'ts013', hasEncodeDownlink: false, hasDecodeDownlink: false } });
  assert.equal(runtime.run('decodeUplink', input(1)), { ok: true, json: '{"data":{"calls":1,"first":7},"warnings":[],"errors":[]}' });
  assert.equal(runtime.run('decodeUplink', input(1)), { ok: true, json: '{"data":{"calls":2,"first":7},"warnings":[],"errors":[]}' });
  assert.equal(runtime.run('decodeUplink', input(2)), {
    ok: false,
    failure: { reason: 'exception', message: 'codec threw Error: bad frame (counter.js line 5)' },
  });
  assert.is(runtime.isLive, false);
  assert.equal(runtime.run('decodeUplink', input(1)), { ok: true, json: '{"data":{"calls":1,"first":7},"warnings":[],"errors":[]}' });
  // An exception keeps the WebAssembly instance.
  assert.is(made(), 1);
  runtime.dispose();
});

test('the memory cap holds and a memory failure replaces the instance', async () => {
  const { factory, made } = countingFactory();
  const runtime = new CodecRuntime(request(4 * 1024 * 1024), factory);
  await runtime.load();
  // 1 MiB typed arrays against a 4 MiB allowance above the 16 MiB base.
  assert.equal(runtime.run('decodeUplink', input(3)), {
    ok: false,
    failure: { reason: 'memory', message: 'codec exceeded its 4 MiB memory limit' },
  });
  assert.is(runtime.isReady, false);
  await runtime.prepare();
  assert.is(made(), 2);
  assert.equal(runtime.run('decodeUplink', input(1)), { ok: true, json: '{"data":{"calls":1,"first":7},"warnings":[],"errors":[]}' });
  runtime.dispose();
});

test('a faulting instance fails the call as an engine failure and is replaced', async () => {
  const { factory, made, sabotageNext } = countingFactory();
  const runtime = new CodecRuntime(request(), factory);
  sabotageNext();
  const loaded = await runtime.load();
  assert.equal(loaded, {
    ok: false,
    failure: {
      reason: 'engine',
      message: 'codec sandbox instance failed; a new one is created for the next call (RuntimeError: memory access out of bounds)',
    },
  });
  assert.is(runtime.isReady, false);
  await runtime.prepare();
  assert.is(made(), 2);
  assert.equal(runtime.run('decodeUplink', input(1)), { ok: true, json: '{"data":{"calls":1,"first":7},"warnings":[],"errors":[]}' });
  runtime.dispose();
});

test.run();
