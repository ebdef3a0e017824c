// Opens a codec for the field-staff tools (`decode`, `decode --examples`, `profiles check`)
// through the daemon's own dispatch (codecs/device-codec.ts): a built-in codec by id, or a
// JavaScript file run in the sandbox. What tools add is the engine: JavaScript codecs run on the
// in-process engine, which starts in a fraction of the worker's time; a call that fails because
// of the engine itself (for example the main thread's smaller native stack) is run again on the
// daemon's worker engine, so a tool never reports a failure the daemon would not have. Heavy
// modules are imported only on the path that needs them: tools are started once per payload.
import type { CodecOutcome, UplinkInput } from '../codecs/contract.js';
import type { ConsoleLine } from '../codecs/sandbox/sandbox-console.js';
import type { UserCodec } from '../codecs/sandbox/user-codec.js';
import { basename, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { isCodecPath } from '../codecs/codec-ref.js';
import { builtinDeviceCodec, sandboxDeviceCodec, UnknownBuiltinCodecError, type DeviceCodec } from '../codecs/device-codec.js';
import { UsageError } from '../command-args.js';

export interface ToolDecode {
  outcome: CodecOutcome;
  /** What a JavaScript codec logged during this call. */
  console: ConsoleLine[];
  /** Set when the call was run again on the worker engine, saying why. */
  rerun?: string;
}

export interface ToolCodec {
  decode(input: UplinkInput): Promise<ToolDecode>;
  close(): void;
}

export interface ToolCodecOptions {
  /** Run JavaScript codecs on the daemon's worker engine only (slower start, same as the daemon). */
  worker?: boolean;
}

async function openBuiltin(id: string): Promise<ToolCodec> {
  let codec: DeviceCodec;
  try {
    codec = await builtinDeviceCodec(id);
  } catch (err) {
    if (!(err instanceof UnknownBuiltinCodecError)) throw err;
    throw new UsageError(`unknown codec "${id}"; built-in codecs: ${err.known.join(', ')} (or give a path to a .js file)`);
  }
  return {
    decode: async (input) => ({ outcome: codec.decode(input), console: [] }),
    close: () => codec.dispose(),
  };
}

/**
 * The sandbox modules, imported in one go: Node 20 reads ES modules through its thread pool, so
 * each sequential import costs a round of file reads.
 */
async function sandboxModules() {
  const [userCodec, errors, inline] = await Promise.all([
    import('../codecs/sandbox/user-codec.js'),
    import('../codecs/sandbox/errors.js'),
    import('../codecs/sandbox/inline-engine.js'),
  ]);
  return { loadUserCodec: userCodec.loadUserCodec, CodecLoadError: errors.CodecLoadError, InlineEngine: inline.InlineEngine };
}

/** Throws CodecLoadError when the file does not load (reason `not-found` for a missing file). */
async function openFile(file: string, options: ToolCodecOptions): Promise<ToolCodec> {
  const { loadUserCodec, CodecLoadError, InlineEngine } = await sandboxModules();
  let lines: ConsoleLine[] = [];
  const common = { quarantineAfter: 0, readFileSync: true, onConsole: (line: ConsoleLine) => lines.push(line) };
  const name = basename(file);
  let worker: DeviceCodec | undefined;
  const openWorker = async (): Promise<DeviceCodec> => (worker ??= sandboxDeviceCodec(name, await loadUserCodec(file, common)));
  if (options.worker) {
    const codec = await openWorker();
    return {
      decode: async (input) => {
        lines = [];
        const outcome = codec.decode(input);
        return { outcome, console: lines };
      },
      close: () => codec.dispose(),
    };
  }

  // V8 compiles QuickJS's WebAssembly with its baseline compiler first and then recompiles the hot
  // functions optimised, on other threads; for a few calls that second compile is most of the CPU
  // time (measured: 0.29 s CPU per decode with it, 0.15 s without). Process-wide, and only ever set
  // by these one-shot tools, never by the daemon.
  setFlagsFromString('--liftoff-only');
  const engine = new InlineEngine();
  // Kept as a UserCodec too: its engine-failure count tells when to re-run a call on the worker.
  let inlineUser: UserCodec | undefined;
  try {
    inlineUser = await loadUserCodec(file, { ...common, engine });
  } catch (err) {
    if (!(err instanceof CodecLoadError && err.reason === 'engine')) throw err;
  }
  const inline = inlineUser ? sandboxDeviceCodec(name, inlineUser) : undefined;
  lines = [];
  return {
    async decode(input) {
      if (inline && inlineUser) {
        await engine.settle();
        lines = [];
        const before = inlineUser.failuresByReason.engine;
        const outcome = inline.decode(input);
        if (inlineUser.failuresByReason.engine === before) return { outcome, console: lines };
      }
      const why = inline ? 'the in-process sandbox failed on this call' : 'the in-process sandbox could not load the codec';
      const codec = await openWorker();
      lines = [];
      const outcome = codec.decode(input);
      return { outcome, console: lines, rerun: `${why}; ran it in the daemon's worker sandbox` };
    },
    close() {
      inline?.dispose();
      worker?.dispose();
    },
  };
}

/**
 * `codec` is a built-in id or a path (relative paths against the working directory). Unknown ids
 * and missing files are UsageErrors; a file that does not load throws CodecLoadError.
 */
export async function openToolCodec(codec: string, options: ToolCodecOptions = {}): Promise<ToolCodec> {
  if (!isCodecPath(codec)) return openBuiltin(codec);
  try {
    return await openFile(resolve(codec), options);
  } catch (err) {
    const { CodecLoadError } = await sandboxModules();
    if (err instanceof CodecLoadError && err.reason === 'not-found') throw new UsageError(err.message);
    throw err;
  }
}

/** The console lines as a tool prints them on stderr. */
export function formatConsoleLines(lines: readonly ConsoleLine[]): string {
  return lines.map((l) => `codec console.${l.level}: ${l.text}\n`).join('');
}
