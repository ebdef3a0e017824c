// What a user codec needs from the engine that runs it: the worker-thread engine the daemon uses
// (engine.ts) or the in-process engine of one-shot tools (inline-engine.ts).

import type { LoadRequest, Request, Response } from './protocol.js';

export type EngineReply = Response | { kind: 'timeout' };

export interface CodecEngine {
  /** Moves on whenever the engine lost its loaded codecs; codecs then reload themselves. */
  readonly generation: number;
  acquire(): void;
  /** The last release stops the engine. */
  release(): void;
  newHandle(): number;
  /** Starts the engine if needed without blocking the event loop. */
  ready(): Promise<void>;
  /** Loads a codec (its top-level code runs under `request.loadTimeLimitMs`). */
  load(request: LoadRequest, timeoutMs: number): Promise<EngineReply>;
  /** Sends one request synchronously. */
  request(req: Request, timeoutMs: number): EngineReply;
  /** Sends a request only to a running engine of `generation` (to free a codec there). */
  requestIfRunning(req: Request, generation: number, timeoutMs: number): EngineReply | undefined;
}
