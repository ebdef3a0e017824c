// The one codec dispatch, used by the daemon and by `lora-edge decode` / `profiles check`: a codec
// reference (built-in id or JavaScript file) opened into a DeviceCodec whose decode and encode
// never throw and always answer in the record's shape. Built-in codecs are plain functions;
// JavaScript codecs run in the QuickJS sandbox. Each kind is imported only when asked for, so a
// tool decoding with a JavaScript codec does not load the built-in catalogue, and the reverse.
import type { BuiltinCodec, CodecOutcome, CommandEncoding, CommandInput, UplinkInput } from './contract.js';
import { codecName, type CodecRef } from './codec-ref.js';
import type { UserCodec, UserCodecOptions } from './sandbox/user-codec.js';

export interface DeviceCodec {
  /** Written to `decoded.codec`: the built-in id, or the JavaScript file name (`acme-th01.js`). */
  readonly name: string;
  decode(input: UplinkInput): CodecOutcome;
  /** Encodes a downlink command; never throws. A codec without an encoder answers with an error. */
  encode(input: CommandInput): CommandEncoding;
  dispose(): void;
}

/** A built-in codec id that is not in the catalogue; `known` lists the ids that are. */
export class UnknownBuiltinCodecError extends Error {
  constructor(
    readonly id: string,
    readonly known: readonly string[],
  ) {
    super(`"${id}" is not a built-in codec (available: ${known.join(', ')})`);
    this.name = 'UnknownBuiltinCodecError';
  }
}

/** A built-in codec as a DeviceCodec; outcome.ts checks what it returns. */
export async function builtinDeviceCodec(id: string): Promise<DeviceCodec> {
  const { builtinCodecIds, findBuiltinCodec, runBuiltinDecode, runBuiltinEncode } = await import('./builtin/index.js');
  const codec: BuiltinCodec | undefined = findBuiltinCodec(id);
  if (codec === undefined) throw new UnknownBuiltinCodecError(id, builtinCodecIds());
  return {
    name: codec.id,
    decode: (input) => runBuiltinDecode(codec, input),
    encode: (input) => runBuiltinEncode(codec, input),
    dispose: () => undefined,
  };
}

/** A loaded sandbox codec as a DeviceCodec; the sandbox already checks its output and never throws. */
export function sandboxDeviceCodec(name: string, codec: UserCodec): DeviceCodec {
  return {
    name,
    decode: (input) => codec.decodeUplink(input),
    encode(input) {
      if (!codec.encodeDownlink) return { warnings: [], errors: [`codec ${name} defines no encodeDownlink; send bytes instead`] };
      const out = codec.encodeDownlink(input);
      return out.errors.length > 0 ? out : { ...out, fPort: out.fPort ?? input.fPort };
    },
    dispose: () => codec.dispose(),
  };
}

/** Stands in for a codec that could not be loaded: devices stay attributed, each frame says why. */
export function unavailableCodec(name: string, reason: string): DeviceCodec {
  const errors = [`codec ${name} is not available: ${reason}`];
  return {
    name,
    decode: () => ({ data: null, warnings: [], errors: errors.slice() }),
    encode: () => ({ warnings: [], errors: errors.slice() }),
    dispose: () => undefined,
  };
}

/**
 * Opens the codec a reference names. Throws UnknownBuiltinCodecError for an id not in the
 * catalogue and CodecLoadError for a JavaScript file that does not load; callers decide whether
 * that is a usage error (tools) or an unavailable codec (daemon).
 */
export async function openDeviceCodec(ref: CodecRef, options: UserCodecOptions = {}): Promise<DeviceCodec> {
  if (ref.kind === 'builtin') return builtinDeviceCodec(ref.id);
  const { loadUserCodec, loadUserCodecFromSource } = await import('./sandbox/user-codec.js');
  if (ref.kind === 'source') return sandboxDeviceCodec(codecName(ref), await loadUserCodecFromSource(ref.source, ref.name, options));
  return sandboxDeviceCodec(codecName(ref), await loadUserCodec(ref.path, options));
}
