// One user codec inside the sandbox worker. It gets its own QuickJS WebAssembly instance, so its
// memory cap is enforced by WebAssembly itself (QuickJS's own limit is not, in this build) and a
// crash of the instance cannot touch other codecs. One context is reused across calls, because
// creating a context costs ~300 us against ~15 us for a call (docs/codec-sandbox.md). Any failed
// call disposes the context; the next call rebuilds it from the source, so a codec never continues
// from a broken state. After a memory failure or an engine fault the instance is dropped as well,
// which hands its grown memory back.

import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten-core';
import {
  ENTRY_INDEX,
  type CodecEntry,
  type CodecForm,
  type FailurePayload,
  type LoadRequest,
  type LoadedCodecInfo,
} from './protocol.js';
import { ENTRY_LOOKUP_FILE_NAME, ENTRY_LOOKUP_SOURCE, ENTRY_SLOT, PRELUDE_FILE_NAME, PRELUDE_SOURCE } from './sandbox-prelude.js';
import { CONSOLE_FILE_NAME, CONSOLE_SOURCE, parseConsoleLines, type ConsoleLine } from './sandbox-console.js';
import { LOCALE_FILE_NAME, LOCALE_SOURCE } from './sandbox-locale.js';
import { classifyThrown, describeThrown } from './thrown.js';
import { MAX_OUTPUT_BYTES, QUICKJS_STACK_BYTES } from './limits.js';

/** Creates a fresh QuickJS WebAssembly instance whose memory may grow by `limitBytes`. */
export type ModuleFactory = (limitBytes: number) => Promise<QuickJSWASMModule>;

export type LoadResult = { ok: true; info: LoadedCodecInfo } | { ok: false; failure: FailurePayload };
export type RunResult = { ok: true; json: string; console?: ConsoleLine[] } | { ok: false; failure: FailurePayload };

interface LiveContext {
  rt: QuickJSRuntime;
  ctx: QuickJSContext;
  runner: QuickJSHandle;
  takeConsole: QuickJSHandle;
}

function disposeAll(handles: readonly (QuickJSHandle | undefined)[]): void {
  for (const h of handles) if (h?.alive) h.dispose();
}

function safeDump(ctx: QuickJSContext, handle: QuickJSHandle): unknown {
  try {
    return ctx.dump(handle);
  } catch {
    return undefined;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export class CodecRuntime {
  private module: QuickJSWASMModule | undefined;
  private live: LiveContext | undefined;
  private deadline = Number.POSITIVE_INFINITY;

  constructor(
    private readonly request: LoadRequest,
    private readonly newModule: ModuleFactory,
  ) {}

  /** True while a context is built (for diagnostics and tests). */
  get isLive(): boolean {
    return this.live !== undefined;
  }

  /** True when run() can be called synchronously; otherwise call prepare() first. */
  get isReady(): boolean {
    return this.module !== undefined;
  }

  /** Creates the WebAssembly instance if the previous one was dropped. */
  async prepare(): Promise<void> {
    this.module ??= await this.newModule(this.request.memoryLimitBytes);
  }

  /** Evaluates the codec for the first time and reports its form, or why it cannot be used. */
  async load(): Promise<LoadResult> {
    await this.prepare();
    return this.guard(() => this.build());
  }

  /** Runs one entry point. Requires isReady (see prepare). */
  run(entry: CodecEntry, inputJson: string): RunResult {
    return this.guard(() => this.runLive(entry, inputJson));
  }

  dispose(): void {
    this.dropContext();
    this.module = undefined;
  }

  /** A host-side exception here means the WebAssembly instance is broken: drop it, fail the call. */
  private guard<T extends LoadResult | RunResult>(work: () => T): T | { ok: false; failure: FailurePayload } {
    try {
      return work();
    } catch (err) {
      this.live = undefined;
      this.module = undefined;
      return { ok: false, failure: { reason: 'engine', message: `codec sandbox instance failed; a new one is created for the next call (${errorText(err)})` } };
    }
  }

  private runLive(entry: CodecEntry, inputJson: string): RunResult {
    if (!this.live) {
      const rebuilt = this.build();
      if (!rebuilt.ok) {
        if (rebuilt.failure.reason === 'memory') this.module = undefined;
        return { ok: false, failure: this.restartFailure(rebuilt.failure) };
      }
    }
    const { rt, ctx, runner, takeConsole } = this.live as LiveContext;
    const entryArg = ctx.newNumber(ENTRY_INDEX[entry]);
    const inputArg = ctx.newString(inputJson);
    this.deadline = performance.now() + this.request.timeLimitMs;
    const result = ctx.callFunction(runner, ctx.undefined, entryArg, inputArg);
    disposeAll([entryArg, inputArg]);
    if (result.error) {
      const failure = this.failureFrom(ctx, result.error, this.request.timeLimitMs);
      result.error.dispose();
      const logged = this.consoleAfterThrow(ctx, takeConsole, failure.reason);
      if (logged.length > 0) failure.console = logged;
      this.afterFailure(failure);
      return { ok: false, failure };
    }
    const text = ctx.typeof(result.value) === 'string' ? ctx.getString(result.value) : '';
    result.value.dispose();
    this.deadline = Number.POSITIVE_INFINITY;
    // Promise jobs left behind (an async codec, import()) would otherwise run in a later call.
    if (rt.hasPendingJob()) this.dropContext();
    return this.interpret(text);
  }

  private restartFailure(failure: FailurePayload): FailurePayload {
    const reason = ['timeout', 'memory', 'stack', 'engine'].includes(failure.reason) ? failure.reason : 'exception';
    return { reason, message: `codec could not be restarted: ${failure.message}` };
  }

  /** What the codec logged before it threw; not attempted when the context is out of time or memory. */
  private consoleAfterThrow(ctx: QuickJSContext, takeConsole: QuickJSHandle, reason: string): ConsoleLine[] {
    if (reason !== 'exception') return [];
    this.deadline = performance.now() + this.request.timeLimitMs;
    const taken = ctx.callFunction(takeConsole, ctx.undefined);
    this.deadline = Number.POSITIVE_INFINITY;
    if (taken.error) {
      taken.error.dispose();
      return [];
    }
    const text = ctx.typeof(taken.value) === 'string' ? ctx.getString(taken.value) : '';
    taken.value.dispose();
    return parseConsoleLines(text);
  }

  private interpret(output: string): RunResult {
    let text = output;
    let logged: ConsoleLine[] = [];
    if (text.charAt(0) === '~') {
      const newline = text.indexOf('\n');
      logged = parseConsoleLines(newline < 0 ? '' : text.slice(1, newline));
      text = newline < 0 ? '' : text.slice(newline + 1);
    }
    const tag = text.charAt(0);
    if (tag === '=') return logged.length > 0 ? { ok: true, json: text.slice(1), console: logged } : { ok: true, json: text.slice(1) };
    let failure: FailurePayload;
    if (tag === '!') {
      failure = { reason: 'invalid-output', message: `codec returned invalid output: ${text.slice(1)}` };
    } else if (tag === '>') {
      failure = {
        reason: 'output-too-large',
        message: `codec output is ${text.slice(1)} when serialized, over the ${MAX_OUTPUT_BYTES}-byte limit`,
      };
    } else {
      failure = { reason: 'engine', message: 'sandbox runner returned an unexpected value' };
    }
    if (logged.length > 0) failure.console = logged;
    this.afterFailure(failure);
    return { ok: false, failure };
  }

  private afterFailure(failure: FailurePayload): void {
    this.dropContext();
    // Grown WebAssembly memory never shrinks; a fresh instance gives it back.
    if (failure.reason === 'memory') this.module = undefined;
  }

  private dropContext(): void {
    const live = this.live;
    this.live = undefined;
    this.deadline = Number.POSITIVE_INFINITY;
    if (!live) return;
    live.runner.dispose();
    live.takeConsole.dispose();
    live.ctx.dispose();
    live.rt.dispose();
  }

  private failureFrom(ctx: QuickJSContext, error: QuickJSHandle, timeLimitMs: number): FailurePayload {
    const info = describeThrown(safeDump(ctx, error), this.request.name);
    const limits = { timeLimitMs, memoryLimitBytes: this.request.memoryLimitBytes };
    return classifyThrown(info, performance.now() > this.deadline, limits, this.request.name);
  }

  private build(): LoadResult {
    const { name, source, memoryLimitBytes, loadTimeLimitMs } = this.request;
    if (!this.module) return { ok: false, failure: { reason: 'engine', message: 'codec sandbox instance is not ready' } };
    const rt = this.module.newRuntime();
    // Bounds single allocations; the total is bounded by the instance's WebAssembly memory cap.
    rt.setMemoryLimit(memoryLimitBytes);
    rt.setMaxStackSize(QUICKJS_STACK_BYTES);
    rt.setInterruptHandler(() => performance.now() > this.deadline);
    const ctx = rt.newContext();
    const handles: QuickJSHandle[] = [];
    let takeConsole: QuickJSHandle | undefined;
    const fail = (failure: FailurePayload): LoadResult => {
      disposeAll(handles);
      if (takeConsole?.alive) takeConsole.dispose();
      ctx.dispose();
      rt.dispose();
      this.deadline = Number.POSITIVE_INFINITY;
      return { ok: false, failure };
    };
    const thrown = (error: QuickJSHandle, what: string): FailurePayload => {
      const failure = this.failureFrom(ctx, error, loadTimeLimitMs);
      error.dispose();
      const reason = failure.reason === 'memory' || failure.reason === 'timeout' ? failure.reason : 'top-level-error';
      return { reason, message: `${name} failed ${what}: ${failure.message}` };
    };

    this.deadline = performance.now() + loadTimeLimitMs;
    const locale = ctx.evalCode(LOCALE_SOURCE, LOCALE_FILE_NAME);
    if (locale.error) return fail(thrown(locale.error, 'to start the sandbox'));
    locale.value.dispose();
    const consoleSetup = ctx.evalCode(CONSOLE_SOURCE, CONSOLE_FILE_NAME);
    if (consoleSetup.error) return fail(thrown(consoleSetup.error, 'to start the sandbox'));
    takeConsole = consoleSetup.value;
    const prelude = ctx.evalCode(PRELUDE_SOURCE, PRELUDE_FILE_NAME);
    if (prelude.error) return fail(thrown(prelude.error, 'to start the sandbox'));
    const makeRunner = prelude.value;
    handles.push(makeRunner);

    const evaluated = ctx.evalCode(source, name);
    if (evaluated.error) {
      const info = describeThrown(safeDump(ctx, evaluated.error), name);
      if (info.name === 'SyntaxError' && info.message !== 'stack overflow') {
        evaluated.error.dispose();
        const where = info.line !== undefined ? ` line ${info.line}` : '';
        return fail({
          reason: 'syntax',
          message: `syntax error in ${name}${where}: ${info.message}`,
          ...(info.line !== undefined ? { line: info.line } : {}),
        });
      }
      return fail(thrown(evaluated.error, 'while running its top-level code'));
    }
    evaluated.value.dispose();

    const lookup = ctx.evalCode(ENTRY_LOOKUP_SOURCE, ENTRY_LOOKUP_FILE_NAME);
    if (lookup.error) return fail(thrown(lookup.error, 'while looking up its functions'));
    const entries = lookup.value;
    handles.push(entries);
    const has = (slot: number): boolean => {
      const h = ctx.getProp(entries, slot);
      const isFunction = ctx.typeof(h) === 'function';
      h.dispose();
      return isFunction;
    };
    // Precedence when a file defines several forms: TS013, then ChirpStack v3, then TTN v2.
    const form: CodecForm | undefined = has(ENTRY_SLOT.decodeUplink)
      ? 'ts013'
      : has(ENTRY_SLOT.Decode)
        ? 'chirpstack-v3'
        : has(ENTRY_SLOT.Decoder)
          ? 'ttn-v2'
          : undefined;
    if (form === undefined) {
      return fail({
        reason: 'no-entry-point',
        message:
          `${name} defines none of decodeUplink(input) (TS013), Decode(fPort, bytes, variables) (ChirpStack v3) ` +
          'or Decoder(bytes, port) (TTN v2)',
      });
    }
    // The runner uses the first encoder it finds in the same order.
    const info: LoadedCodecInfo = {
      form,
      hasEncodeDownlink: has(ENTRY_SLOT.encodeDownlink) || has(ENTRY_SLOT.Encode) || has(ENTRY_SLOT.Encoder),
      hasDecodeDownlink: has(ENTRY_SLOT.decodeDownlink),
    };
    const made = ctx.callFunction(makeRunner, ctx.undefined, entries, takeConsole);
    if (made.error) return fail(thrown(made.error, 'to start the sandbox'));
    disposeAll(handles);
    this.live = { rt, ctx, runner: made.value, takeConsole };
    this.deadline = Number.POSITIVE_INFINITY;
    return { ok: true, info };
  }
}
