// An in-process sandbox engine for one-shot tools (`lora-edge decode`): the same QuickJS instances,
// memory cap, time limit and output checks as the daemon's, run on the calling thread instead of
// the worker. Starting the worker and warming it up is most of a one-shot decode's time; the
// worker exists to protect a long-running daemon's event loop, which a one-shot tool does not
// have. What it lacks is the watchdog for native built-ins that ignore the interrupt (the process
// blocks until they return, Ctrl-C stops it) and the worker's large native stack: a codec that
// overflows the main thread's stack fails with reason `engine`, and tools re-run such calls on the
// worker engine so the answer is the daemon's (see src/tools/decode.ts).

import type { CodecEngine, EngineReply } from './codec-engine.js';
import type { LoadRequest, Request, Response } from './protocol.js';
import { createModuleFactory } from './quickjs-instances.js';
import { RuntimeTable } from './runtime-table.js';

function crashed(err: unknown): Response {
  return { kind: 'fatal', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

export class InlineEngine implements CodecEngine {
  /** Never moves on: nothing restarts underneath the codecs. */
  readonly generation = 0;
  private table: RuntimeTable | undefined;
  private handles = 0;
  private users = 0;

  acquire(): void {
    this.users += 1;
  }

  release(): void {
    if (this.users === 0) return;
    this.users -= 1;
    if (this.users === 0) {
      this.table?.disposeAll();
      this.table = undefined;
    }
  }

  newHandle(): number {
    this.handles += 1;
    return this.handles;
  }

  async ready(): Promise<void> {
    this.table ??= new RuntimeTable(createModuleFactory());
  }

  async load(request: LoadRequest): Promise<EngineReply> {
    await this.ready();
    try {
      return await (this.table as RuntimeTable).load(request);
    } catch (err) {
      return crashed(err);
    }
  }

  request(req: Request): EngineReply {
    if (!this.table) return { kind: 'fatal', message: 'the in-process codec engine is not started' };
    if (req.op === 'load') return { kind: 'fatal', message: 'the in-process codec engine loads codecs through load()' };
    try {
      const answer = this.table.handle(req, true);
      // handle() only goes asynchronous for a call when not asked to be synchronous.
      return answer instanceof Promise ? { kind: 'fatal', message: 'unexpected asynchronous answer' } : answer;
    } catch (err) {
      return crashed(err);
    }
  }

  requestIfRunning(req: Request): EngineReply | undefined {
    return this.table ? this.request(req) : undefined;
  }

  /** Recreates instances dropped by a failed call; tools await this between calls. */
  async settle(): Promise<void> {
    await this.table?.prepareAll();
  }
}
