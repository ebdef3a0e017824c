// The codec runtimes of one sandbox engine, keyed by handle, and the answer to each request. The
// worker thread serves these over its channel; the in-process engine of one-shot tools calls them
// directly. A call whose WebAssembly instance was dropped (after a memory failure) must first
// recreate it, which is asynchronous; every other request is answered synchronously.

import { CodecRuntime, type ModuleFactory, type RunResult } from './codec-runtime.js';
import type { EngineStats, LoadRequest, Request, Response } from './protocol.js';

function callResponse(result: RunResult): Response {
  return result.ok
    ? { kind: 'ok', payload: result.json, ...(result.console ? { console: result.console } : {}) }
    : { kind: 'failure', failure: result.failure };
}

export class RuntimeTable {
  private readonly runtimes = new Map<number, CodecRuntime>();

  constructor(private readonly newModule: ModuleFactory) {}

  async load(req: LoadRequest): Promise<Response> {
    this.unload(req.handle);
    const runtime = new CodecRuntime(req, this.newModule);
    const loaded = await runtime.load();
    if (!loaded.ok) {
      runtime.dispose();
      return { kind: 'failure', failure: loaded.failure };
    }
    this.runtimes.set(req.handle, runtime);
    return { kind: 'ok', payload: JSON.stringify(loaded.info) };
  }

  /** With `sync`, a call that would first have to recreate its instance fails instead (see prepareAll). */
  handle(request: Request, sync = false): Response | Promise<Response> {
    switch (request.op) {
      case 'load':
        return this.load(request.load);
      case 'call': {
        const runtime = this.runtimes.get(request.handle);
        if (!runtime) return { kind: 'failure', failure: { reason: 'engine', message: 'codec is not loaded in the sandbox' } };
        const run = (): Response => callResponse(runtime.run(request.entry, request.inputJson));
        if (sync && !runtime.isReady) {
          return {
            kind: 'failure',
            failure: { reason: 'engine', message: 'the codec sandbox instance is being replaced after a failure; try again' },
          };
        }
        // Fast path stays synchronous; a dropped instance is recreated first.
        return runtime.isReady ? run() : runtime.prepare().then(run);
      }
      case 'unload':
        this.unload(request.handle);
        return { kind: 'ok', payload: '' };
      case 'stats': {
        let live = 0;
        for (const runtime of this.runtimes.values()) if (runtime.isLive) live += 1;
        const stats: EngineStats = { codecs: this.runtimes.size, liveContexts: live };
        return { kind: 'ok', payload: JSON.stringify(stats) };
      }
    }
  }

  /** Recreates every dropped WebAssembly instance, so the next calls take the synchronous path. */
  async prepareAll(): Promise<void> {
    for (const runtime of this.runtimes.values()) if (!runtime.isReady) await runtime.prepare();
  }

  disposeAll(): void {
    for (const runtime of this.runtimes.values()) runtime.dispose();
    this.runtimes.clear();
  }

  private unload(handle: number): void {
    this.runtimes.get(handle)?.dispose();
    this.runtimes.delete(handle);
  }
}
