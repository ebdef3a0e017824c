// Entry point of the sandbox worker thread. It compiles the QuickJS WebAssembly module once, gives
// every codec its own instance of it, and answers the host over the synchronous channel. Running
// here (not on the host thread) lets the host stop a codec stuck inside a native built-in by
// terminating the thread, and gives QuickJS's WebAssembly frames a large native stack of their own.

import { workerData } from 'node:worker_threads';
import { ChannelServer } from './sync-channel.js';
import { CodecRuntime } from './codec-runtime.js';
import { createModuleFactory } from './quickjs-instances.js';
import { decodeRequest, encodeResponse } from './protocol.js';
import { RuntimeTable } from './runtime-table.js';
import { WASM_PAGE_BYTES } from './limits.js';

export interface EngineWorkerData {
  channel: SharedArrayBuffer;
}

const newModule = createModuleFactory();
const table = new RuntimeTable(newModule);

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

function handle(text: string): string | Promise<string> {
  const answer = table.handle(decodeRequest(text));
  return answer instanceof Promise ? answer.then(encodeResponse) : encodeResponse(answer);
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
