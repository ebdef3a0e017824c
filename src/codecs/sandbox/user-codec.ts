// A user JavaScript codec (TS013, ChirpStack v3 or TTN v2 form) running in the QuickJS sandbox,
// with failure counting, quarantine and the codec's console lines. Calls are synchronous and never
// throw.

import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CodecOutcome, UplinkInput } from '../contract.js';
import { CodecLoadError, isCodecFailureReason, type CodecFailureReason, type CodecLoadFailure } from './errors.js';
import { FailureTracker } from './failure-tracker.js';
import { sharedSandboxEngine } from './engine.js';
import type { CodecEngine } from './codec-engine.js';
import { ConsoleRateLimit } from './console-rate-limit.js';
import type { ConsoleLine } from './sandbox-console.js';
import {
  downlinkBytesInputJson,
  downlinkInputJson,
  uplinkInputJson,
  type BuiltInput,
  type DownlinkBytesInput,
  type SandboxDownlinkInput,
} from './input.js';
import {
  checkDecodeOutput,
  checkEncodeOutput,
  encodeErrorOutcome,
  errorOutcome,
  type Checked,
  type EncodeOutcome,
} from './outcome.js';
import type { CodecEntry, CodecForm, LoadRequest, LoadedCodecInfo } from './protocol.js';
import {
  DEFAULT_MEMORY_LIMIT_BYTES,
  DEFAULT_QUARANTINE_AFTER,
  DEFAULT_TIME_LIMIT_MS,
  MAX_SOURCE_BYTES,
  loadTimeLimitMs,
  watchdogMs,
} from './limits.js';

/** The part of the daemon's (pino) logger the sandbox uses; kept narrow so tools need not load pino. */
export interface CodecLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

const SILENT_LOGGER: CodecLogger = { debug: () => undefined, warn: () => undefined };

export interface UserCodecOptions {
  /** Per-call time limit (default 50 ms). */
  timeLimitMs?: number;
  /** QuickJS heap limit of this codec (default 16 MiB). */
  memoryLimitBytes?: number;
  /** Consecutive failed calls before the codec is quarantined (default 5; 0 = never). */
  quarantineAfter?: number;
  logger?: CodecLogger;
  /**
   * Receives every console line the codec logs (tools print them). Without it, lines go to the
   * logger at debug, at most 20 at once and 30 a minute per codec.
   */
  onConsole?: (line: ConsoleLine) => void;
  /** The engine to run in; default the daemon's shared worker engine. */
  engine?: CodecEngine;
  /**
   * Read the codec file synchronously (loadUserCodec). For one-shot tools: the first asynchronous
   * file access starts libuv's thread pool, a measurable part of a tool's start-up.
   */
  readFileSync?: boolean;
}

export interface UserCodec {
  /** File name without `.js`. */
  readonly id: string;
  readonly form: CodecForm;
  /** Failed calls since load (timeouts, crashes, invalid output; not `errors` the codec reports). */
  readonly failures: number;
  readonly consecutiveFailures: number;
  readonly failuresByReason: Readonly<Record<CodecFailureReason, number>>;
  readonly quarantined: boolean;
  decodeUplink(input: UplinkInput): CodecOutcome;
  /** Present when the file defines encodeDownlink (TS013) or Encode (ChirpStack v3). */
  encodeDownlink?(input: SandboxDownlinkInput): EncodeOutcome;
  /** Present when the file defines decodeDownlink (TS013). */
  decodeDownlink?(input: DownlinkBytesInput): CodecOutcome;
  /** Lets a quarantined codec run again (for an operator action after fixing the cause). */
  releaseQuarantine(): void;
  /** Frees the codec's sandbox runtime; later calls return an error. */
  dispose(): void;
}

interface ResolvedOptions {
  timeLimitMs: number;
  memoryLimitBytes: number;
  quarantineAfter: number;
  logger: CodecLogger;
  onConsole?: (line: ConsoleLine) => void;
}

function resolveOptions(opts: UserCodecOptions): ResolvedOptions {
  const timeLimitMs = opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const memoryLimitBytes = opts.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES;
  const quarantineAfter = opts.quarantineAfter ?? DEFAULT_QUARANTINE_AFTER;
  if (!Number.isFinite(timeLimitMs) || timeLimitMs < 1 || timeLimitMs > 10_000) {
    throw new RangeError(`timeLimitMs must be between 1 and 10000, got ${timeLimitMs}`);
  }
  if (!Number.isInteger(memoryLimitBytes) || memoryLimitBytes < 1024 * 1024 || memoryLimitBytes > 1024 * 1024 * 1024) {
    throw new RangeError(`memoryLimitBytes must be an integer between 1 MiB and 1 GiB, got ${memoryLimitBytes}`);
  }
  if (!(Number.isInteger(quarantineAfter) || quarantineAfter === Number.POSITIVE_INFINITY) || quarantineAfter < 0) {
    throw new RangeError(`quarantineAfter must be a non-negative integer, got ${quarantineAfter}`);
  }
  return {
    timeLimitMs,
    memoryLimitBytes,
    quarantineAfter,
    logger: opts.logger ?? SILENT_LOGGER,
    ...(opts.onConsole ? { onConsole: opts.onConsole } : {}),
  };
}

type Invoked = { ok: true; payload: string } | { ok: false; message: string };

const LOAD_FAILURES: readonly CodecLoadFailure[] = ['syntax', 'no-entry-point', 'top-level-error'];

class SandboxedUserCodec implements UserCodec {
  readonly encodeDownlink?: (input: SandboxDownlinkInput) => EncodeOutcome;
  readonly decodeDownlink?: (input: DownlinkBytesInput) => CodecOutcome;
  private readonly tracker: FailureTracker;
  private readonly consoleRate = new ConsoleRateLimit();
  private disposed = false;

  constructor(
    readonly id: string,
    private readonly engine: CodecEngine,
    private readonly request: LoadRequest,
    private readonly info: LoadedCodecInfo,
    private loadedGeneration: number,
    private readonly options: ResolvedOptions,
  ) {
    this.tracker = new FailureTracker(options.quarantineAfter);
    if (info.hasEncodeDownlink) this.encodeDownlink = (input) => this.encode(input);
    if (info.hasDecodeDownlink) this.decodeDownlink = (input) => this.decodeBytes(input);
  }

  get form(): CodecForm {
    return this.info.form;
  }
  get failures(): number {
    return this.tracker.failures;
  }
  get consecutiveFailures(): number {
    return this.tracker.consecutive;
  }
  get failuresByReason(): Readonly<Record<CodecFailureReason, number>> {
    return { ...this.tracker.byReason };
  }
  get quarantined(): boolean {
    return this.tracker.quarantined;
  }

  decodeUplink(input: UplinkInput): CodecOutcome {
    return this.decodeWith('decodeUplink', uplinkInputJson(input));
  }

  releaseQuarantine(): void {
    this.tracker.release();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.engine.requestIfRunning({ op: 'unload', handle: this.request.handle }, this.loadedGeneration, watchdogMs(this.options.timeLimitMs));
    this.engine.release();
  }

  private decodeBytes(input: DownlinkBytesInput): CodecOutcome {
    return this.decodeWith('decodeDownlink', downlinkBytesInputJson(input));
  }

  private decodeWith(entry: CodecEntry, input: BuiltInput): CodecOutcome {
    if (!input.ok) return errorOutcome(input.message);
    const invoked = this.invoke(entry, input.json);
    if (!invoked.ok) return errorOutcome(invoked.message);
    return this.settle(checkDecodeOutput(invoked.payload), errorOutcome);
  }

  private encode(input: SandboxDownlinkInput): EncodeOutcome {
    const built = downlinkInputJson(input);
    if (!built.ok) return encodeErrorOutcome(built.message);
    const invoked = this.invoke('encodeDownlink', built.json);
    if (!invoked.ok) return encodeErrorOutcome(invoked.message);
    return this.settle(checkEncodeOutput(invoked.payload, input.fPort), encodeErrorOutcome);
  }

  private settle<T>(checked: Checked<T>, toError: (message: string) => T): T {
    if (checked.ok) {
      this.tracker.recordSuccess();
      return checked.value;
    }
    this.fail(checked.reason, checked.message);
    return toError(checked.message);
  }

  /** Runs one entry point; failures are counted here, except output checks (see settle). */
  private invoke(entry: CodecEntry, inputJson: string): Invoked {
    if (this.disposed) return { ok: false, message: 'codec has been disposed' };
    if (this.tracker.quarantined) return { ok: false, message: this.tracker.quarantineMessage() };
    const reloaded = this.ensureLoaded();
    if (!reloaded.ok) return reloaded;
    const reply = this.engine.request(
      { op: 'call', handle: this.request.handle, entry, inputJson },
      watchdogMs(this.options.timeLimitMs),
    );
    if (reply.kind === 'ok' && reply.console) this.report(reply.console);
    if (reply.kind === 'failure' && reply.failure.console) this.report(reply.failure.console);
    switch (reply.kind) {
      case 'ok':
        return { ok: true, payload: reply.payload };
      case 'failure': {
        const reason = isCodecFailureReason(reply.failure.reason) ? reply.failure.reason : 'engine';
        return this.fail(reason, reply.failure.message);
      }
      case 'timeout':
        this.options.logger.warn({ codec: this.id }, 'codec call stopped by the watchdog; sandbox worker restarted');
        return this.fail(
          'timeout',
          `codec exceeded its ${this.options.timeLimitMs} ms time limit (stopped by the watchdog; the sandbox was restarted)`,
        );
      case 'fatal':
        this.options.logger.warn({ codec: this.id, error: reply.message }, 'codec sandbox worker failed; restarted');
        return this.fail('engine', `codec sandbox failed and is being restarted: ${reply.message}`);
    }
  }

  /** After a sandbox restart the codec's runtime is gone; load it into the new worker. */
  private ensureLoaded(): { ok: true } | { ok: false; message: string } {
    if (this.loadedGeneration === this.engine.generation) return { ok: true };
    const reply = this.engine.request({ op: 'load', load: this.request }, watchdogMs(this.request.loadTimeLimitMs));
    if (reply.kind === 'ok') {
      this.loadedGeneration = this.engine.generation;
      return { ok: true };
    }
    const why = reply.kind === 'timeout' ? 'its top-level code timed out' : reply.kind === 'failure' ? reply.failure.message : reply.message;
    return this.fail('engine', `codec could not be reloaded after a sandbox restart: ${why}`);
  }

  /** Console lines come from inside the sandbox: only strings are passed on. */
  private report(lines: readonly ConsoleLine[]): void {
    const { onConsole, logger } = this.options;
    for (const line of lines) {
      if (typeof line?.text !== 'string' || typeof line.level !== 'string') continue;
      if (onConsole) {
        onConsole({ level: line.level, text: line.text });
        continue;
      }
      const held = this.consoleRate.admit();
      if (held === undefined) continue;
      // `console`, not `level`: pino's own level field must not be overwritten.
      logger.debug({ codec: this.id, console: line.level, line: line.text, ...(held > 0 ? { suppressed: held } : {}) }, 'codec console');
    }
  }

  private fail(reason: CodecFailureReason, message: string): { ok: false; message: string } {
    const { logger } = this.options;
    logger.debug({ codec: this.id, reason, error: message }, 'codec call failed');
    if (this.tracker.recordFailure(reason)) {
      logger.warn(
        { codec: this.id, reason, error: message, failures: this.tracker.failures },
        this.tracker.quarantineMessage(),
      );
    }
    return { ok: false, message };
  }
}

function codecNames(name: string): { fileName: string; id: string } {
  const fileName = name.endsWith('.js') ? name : `${name}.js`;
  return { fileName, id: fileName.slice(0, -'.js'.length) };
}

/** Loads a codec from source text (tests, or sources kept elsewhere than files). */
export async function loadUserCodecFromSource(source: string, name: string, opts: UserCodecOptions = {}): Promise<UserCodec> {
  const options = resolveOptions(opts);
  const { fileName, id } = codecNames(name);
  const size = Buffer.byteLength(source, 'utf8');
  if (size > MAX_SOURCE_BYTES) {
    throw new CodecLoadError('too-large', `codec ${fileName} is ${size} bytes; the limit is ${MAX_SOURCE_BYTES} bytes (256 KiB)`);
  }
  const engine = opts.engine ?? sharedSandboxEngine();
  engine.acquire();
  try {
    await engine.ready();
    const request: LoadRequest = {
      handle: engine.newHandle(),
      name: fileName,
      source: source.replace(/^\uFEFF/, ''),
      timeLimitMs: options.timeLimitMs,
      loadTimeLimitMs: loadTimeLimitMs(options.timeLimitMs),
      memoryLimitBytes: options.memoryLimitBytes,
    };
    const reply = await engine.load(request, watchdogMs(request.loadTimeLimitMs));
    switch (reply.kind) {
      case 'ok': {
        const info = JSON.parse(reply.payload) as LoadedCodecInfo;
        options.logger.debug({ codec: id, form: info.form }, 'user codec loaded');
        return new SandboxedUserCodec(id, engine, request, info, engine.generation, options);
      }
      case 'failure': {
        const reason = (LOAD_FAILURES as readonly string[]).includes(reply.failure.reason)
          ? (reply.failure.reason as CodecLoadFailure)
          : 'top-level-error';
        throw new CodecLoadError(reason, reply.failure.message, reply.failure.line);
      }
      case 'timeout':
        throw new CodecLoadError(
          'top-level-error',
          `${fileName} failed while running its top-level code: it did not finish within ${request.loadTimeLimitMs} ms (stopped by the watchdog)`,
        );
      case 'fatal':
        throw new CodecLoadError('engine', `codec sandbox failed while loading ${fileName}: ${reply.message}`);
    }
  } catch (err) {
    engine.release();
    if (err instanceof CodecLoadError) throw err;
    throw new CodecLoadError('engine', err instanceof Error ? err.message : String(err));
  }
}

/**
 * Loads a codec file: TS013 `decodeUplink(input)`, ChirpStack v3 `Decode(fPort, bytes, variables)`
 * or TTN v2 `Decoder(bytes, port)` (with `Converter`/`Validator` when defined).
 */
export async function loadUserCodec(file: string, opts: UserCodecOptions = {}): Promise<UserCodec> {
  resolveOptions(opts);
  const name = basename(file);
  const sync = opts.readFileSync === true;
  let size: number;
  try {
    const info = sync ? statSync(file) : await stat(file);
    if (!info.isFile()) throw new CodecLoadError('unreadable', `codec path is not a file: ${file}`);
    size = info.size;
  } catch (err) {
    if (err instanceof CodecLoadError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CodecLoadError('not-found', `codec file not found: ${file}`);
    throw new CodecLoadError('unreadable', `codec file cannot be read: ${file} (${code ?? String(err)})`);
  }
  if (size > MAX_SOURCE_BYTES) {
    throw new CodecLoadError('too-large', `codec ${name} is ${size} bytes; the limit is ${MAX_SOURCE_BYTES} bytes (256 KiB)`);
  }
  let source: string;
  try {
    source = sync ? readFileSync(file, 'utf8') : await readFile(file, 'utf8');
  } catch (err) {
    throw new CodecLoadError('unreadable', `codec file cannot be read: ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return loadUserCodecFromSource(source, name.replace(/\.(c|m)?js$/, ''), opts);
}
