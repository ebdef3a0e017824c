// Entry point of the sandbox worker thread. It compiles the QuickJS WebAssembly module once, gives
// every codec its own instance of it, and answers the host over the synchronous channel. Running
// here (not on the host thread) lets the host stop a codec stuck inside a native built-in by
// terminating the thread, and gives QuickJS's WebAssembly frames a large native stack of their own.

import { workerData } from 'node:worker_threads';
import { ChannelServer } from './sync-channel.js';
import { CodecRuntime } from './codec-runtime.js';
import { createModuleFactory } from './quickjs-instances.js';
import { decodeRequest, encodeResponse, type EngineStats, type Request } from './protocol.js';
import { WASM_PAGE_BYTES } from './limits.js';

export interface EngineWorkerData {
  channel: SharedArrayBuffer;
}

const newModule = createModuleFactory();
const runtimes = new Map<number, CodecRuntime>();

/**
 * V8 compiles WebAssembly functions lazily on first use; running a small script once before the
 * worker reports ready keeps that cost out of the first codec calls (and their deadlines).
 */
async function warmUp(): Promise<void> {
  const runtime = new CodecRuntime(
    {
      handle: 0,
      name: 'warm-up.js',
      source: 'function decodeUplink(input) { return { data: { n: input.bytes.length, t: input.recvTime.getTime() } }; }',
      timeLimitMs: 5_000,
      loadTimeLimitMs: 5_000,
      memoryLimitBytes: WASM_PAGE_BYTES,
    },
    newModule,
  );
  await runtime.load();
  runtime.run('decodeUplink', JSON.stringify({ bytes: [1, 2, 3], fPort: 1, recvTime: new Date(0).toISOString(), variables: {} }));
  runtime.dispose();
}

async function load(request: Extract<Request, { op: 'load' }>): Promise<string> {
  const { load: req } = request;
  runtimes.get(req.handle)?.dispose();
  runtimes.delete(req.handle);
  const runtime = new CodecRuntime(req, newModule);
  const loaded = await runtime.load();
  if (!loaded.ok) {
    runtime.dispose();
    return encodeResponse({ kind: 'failure', failure: loaded.failure });
  }
  runtimes.set(req.handle, runtime);
  return encodeResponse({ kind: 'ok', payload: JSON.stringify(loaded.info) });
}

function reply(runtime: CodecRuntime, request: Extract<Request, { op: 'call' }>): string {
  const result = runtime.run(request.entry, request.inputJson);
  return result.ok
    ? encodeResponse({ kind: 'ok', payload: result.json })
    : encodeResponse({ kind: 'failure', failure: result.failure });
}

function handle(text: string): string | Promise<string> {
  const request = decodeRequest(text);
  switch (request.op) {
    case 'load':
      return load(request);
    case 'call': {
      const runtime = runtimes.get(request.handle);
      if (!runtime) {
        return encodeResponse({ kind: 'failure', failure: { reason: 'engine', message: 'codec is not loaded in the sandbox' } });
      }
      // Fast path stays synchronous; a dropped instance is recreated first.
      return runtime.isReady ? reply(runtime, request) : runtime.prepare().then(() => reply(runtime, request));
    }
    case 'unload':
      runtimes.get(request.handle)?.dispose();
      runtimes.delete(request.handle);
      return encodeResponse({ kind: 'ok', payload: '' });
    case 'stats': {
      let live = 0;
      for (const runtime of runtimes.values()) if (runtime.isLive) live += 1;
      const stats: EngineStats = { codecs: runtimes.size, liveContexts: live };
      return encodeResponse({ kind: 'ok', payload: JSON.stringify(stats) });
    }
  }
}

function crashReply(err: unknown): string {
  return encodeResponse({ kind: 'fatal', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
}

// A failed WebAssembly instantiation can leave a rejected promise inside the Emscripten loader;
// the request that caused it already got its answer, so the worker must not die of it.
process.on('unhandledRejection', () => undefined);

const { channel } = workerData as EngineWorkerData;
await warmUp();
await new ChannelServer(channel).serveForever(handle, crashReply);
