// Host side of the sandbox: one worker thread shared by every user codec in the process, started
// when the first codec loads and stopped when the last one is disposed. Requests are synchronous.
// When a call outlives its watchdog deadline or the worker reports a broken engine, the worker is
// terminated, a new one starts at once, and `generation` moves on; codecs notice and reload
// themselves into the new worker on their next call.

import { Worker } from 'node:worker_threads';
import { ChannelClient, ChannelOverflowError, createChannelBuffer } from './sync-channel.js';
import { decodeResponse, encodeRequest, type EngineStats, type Request, type Response } from './protocol.js';
import { WORKER_HEAP_MB, WORKER_STACK_MB, WORKER_START_TIMEOUT_MS } from './limits.js';
import type { EngineWorkerData } from './engine-worker.js';
import type { CodecEngine, EngineReply } from './codec-engine.js';
import type { LoadRequest } from './protocol.js';

export type { EngineReply };

export interface EngineInfo {
  running: boolean;
  /** Moves on whenever a worker is discarded; codec handles from older generations are gone. */
  generation: number;
  /** Workers discarded because of a watchdog timeout or engine failure. */
  restarts: number;
  users: number;
  lastRestartReason?: string;
}

/** After a failed start, requests fail fast for this long instead of blocking on another start. */
const START_RETRY_DELAY_MS = 10_000;

/** Compiled builds run engine-worker.js next to this file. */
function workerEntry(): { script: URL | string; evalScript: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { script: new URL('./engine-worker.js', import.meta.url), evalScript: false };
  // Running from TypeScript sources under tsx: Node 20 workers do not pick up tsx's loader, so
  // the worker registers it before importing the .ts entry.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./engine-worker.ts', import.meta.url).href;
  const script = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return { script, evalScript: true };
}

interface RunningWorker {
  worker: Worker;
  client: ChannelClient;
  /** Set when the worker emitted 'error' or exited on its own. */
  died?: string;
}

export class SandboxEngine implements CodecEngine {
  private current: RunningWorker | undefined;
  private users = 0;
  private handles = 0;
  private generationCount = 0;
  private restartCount = 0;
  private lastRestartReason: string | undefined;
  private startBlockedUntil = 0;

  get generation(): number {
    return this.generationCount;
  }

  info(): EngineInfo {
    return {
      running: this.current !== undefined,
      generation: this.generationCount,
      restarts: this.restartCount,
      users: this.users,
      ...(this.lastRestartReason !== undefined ? { lastRestartReason: this.lastRestartReason } : {}),
    };
  }

  acquire(): void {
    this.users += 1;
  }

  /** The last release stops the worker. */
  release(): void {
    if (this.users === 0) return;
    this.users -= 1;
    if (this.users === 0) this.discard();
  }

  newHandle(): number {
    this.handles += 1;
    return this.handles;
  }

  /** Starts the worker if needed without blocking the event loop. */
  async ready(): Promise<void> {
    if (this.current?.died !== undefined) this.restart(`the worker died: ${this.current.died}`);
    const running = this.current ?? this.spawn();
    if (running.client.isReady()) return;
    // Atomics.waitAsync and an unref'd worker do not keep the event loop alive; the timer does.
    let timer: NodeJS.Timeout | undefined;
    let onGone: (() => void) | undefined;
    const ok = await Promise.race([
      running.client.waitReady(WORKER_START_TIMEOUT_MS),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), WORKER_START_TIMEOUT_MS);
        onGone = () => resolve(false);
        running.worker.once('error', onGone);
        running.worker.once('exit', onGone);
      }),
    ]).finally(() => {
      clearTimeout(timer);
      if (onGone) {
        running.worker.off('error', onGone);
        running.worker.off('exit', onGone);
      }
    });
    if (!ok || running.died !== undefined) {
      const why = running.died ?? `not ready within ${WORKER_START_TIMEOUT_MS} ms`;
      if (this.current === running) this.discard();
      throw new Error(`codec sandbox worker failed to start: ${why}`);
    }
  }

  /** Loads a codec; the worker runs its top-level code while this thread waits (synchronously). */
  async load(request: LoadRequest, timeoutMs: number): Promise<EngineReply> {
    return this.request({ op: 'load', load: request }, timeoutMs);
  }

  /**
   * Sends a request only to a running, healthy worker of `generation` (to free a codec there);
   * never starts one.
   */
  requestIfRunning(req: Request, generation: number, timeoutMs: number): EngineReply | undefined {
    const running = this.current;
    if (!running || running.died !== undefined || generation !== this.generationCount || !running.client.isReady()) return undefined;
    return this.request(req, timeoutMs);
  }

  /** Sends one request, blocking up to `timeoutMs`; starts the worker synchronously if needed. */
  request(req: Request, timeoutMs: number): EngineReply {
    const running = this.readySync();
    if (typeof running === 'string') return { kind: 'fatal', message: running };
    let reply;
    try {
      reply = running.client.call(encodeRequest(req), timeoutMs);
    } catch (err) {
      if (err instanceof ChannelOverflowError) {
        return { kind: 'failure', failure: { reason: 'engine', message: err.message } };
      }
      throw err;
    }
    if (reply.kind === 'timeout') {
      this.restart(`a request did not return within ${timeoutMs} ms`);
      return reply;
    }
    let response: Response;
    try {
      response = decodeResponse(reply.text);
    } catch (err) {
      response = { kind: 'fatal', message: `unreadable reply from the sandbox (${err instanceof Error ? err.message : String(err)})` };
    }
    if (response.kind === 'fatal') this.restart(response.message);
    return response;
  }

  /** Live codec runtimes inside the worker (tests and diagnostics); undefined when not running. */
  stats(): EngineStats | undefined {
    if (!this.current) return undefined;
    const reply = this.request({ op: 'stats' }, WORKER_START_TIMEOUT_MS);
    return reply.kind === 'ok' ? (JSON.parse(reply.payload) as EngineStats) : undefined;
  }

  private readySync(): RunningWorker | string {
    if (this.current?.died !== undefined) this.restart(`the worker died: ${this.current.died}`);
    if (!this.current) {
      if (performance.now() < this.startBlockedUntil) return 'codec sandbox worker is not running (a recent start failed)';
      this.spawn();
    }
    const running = this.current as RunningWorker;
    if (!running.client.waitReadySync(WORKER_START_TIMEOUT_MS)) {
      this.discard();
      this.startBlockedUntil = performance.now() + START_RETRY_DELAY_MS;
      return `codec sandbox worker did not start within ${WORKER_START_TIMEOUT_MS} ms`;
    }
    return running;
  }

  private spawn(): RunningWorker {
    const channel = createChannelBuffer();
    const workerData: EngineWorkerData = { channel };
    const { script, evalScript } = workerEntry();
    const worker = new Worker(script, {
      eval: evalScript,
      workerData,
      resourceLimits: { stackSizeMb: WORKER_STACK_MB, maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    const running: RunningWorker = { worker, client: new ChannelClient(channel) };
    // Without an 'error' listener a crashing worker would crash the daemon.
    worker.on('error', (err) => {
      running.died = err instanceof Error ? err.message : String(err);
    });
    worker.on('exit', (code) => {
      running.died ??= `exited with code ${code}`;
    });
    worker.unref();
    this.current = running;
    return running;
  }

  /** Replaces the worker; the new one starts at once so the next request waits less. */
  private restart(reason: string): void {
    this.restartCount += 1;
    this.lastRestartReason = reason;
    this.discard();
    if (this.users > 0) this.spawn();
  }

  private discard(): void {
    const running = this.current;
    if (!running) return;
    this.current = undefined;
    this.generationCount += 1;
    running.worker.terminate().catch(() => {
      // Already gone; nothing to release.
    });
  }
}

let shared: SandboxEngine | undefined;

/** The process-wide engine every user codec shares. */
export function sharedSandboxEngine(): SandboxEngine {
  shared ??= new SandboxEngine();
  return shared;
}
