// A profile's codec as the decode path sees it: a name for the record and a synchronous decode
// that never throws. Built-in codecs are plain functions; JavaScript codecs run in the QuickJS
// sandbox and are loaded once per file (all profiles naming the same file share it).
import path from 'node:path';
import type { BuiltinCodec, CodecOutcome, UplinkInput } from '../codecs/contract.js';
import { findBuiltinCodec, runBuiltinDecode } from '../codecs/builtin/index.js';
import { loadUserCodec, type UserCodec } from '../codecs/sandbox/index.js';
import type { Logger } from '../log.js';
import type { CodecRef } from './profiles.js';

/** What a downlink command asks the codec to encode. */
export interface CommandInput {
  data: Record<string, unknown>;
  /** The port the command names, if any (codecs may choose their own). */
  fPort?: number;
  variables?: Record<string, string>;
}

/** Bytes and the port to send them on, or the reasons why not (errors non-empty). */
export interface CommandEncoding {
  bytes?: number[];
  fPort?: number;
  warnings: string[];
  errors: string[];
}

export interface DeviceCodec {
  /** Written to `decoded.codec`: the built-in id, or the JavaScript file name (`acme-th01.js`). */
  readonly name: string;
  decode(input: UplinkInput): CodecOutcome;
  /** Encodes a downlink command; never throws. A codec without an encoder answers with an error. */
  encode(input: CommandInput): CommandEncoding;
  dispose(): void;
}

export interface UserCodecLimits {
  timeLimitMs: number;
  memoryLimitBytes?: number;
  quarantineAfter?: number;
}

class BuiltinDeviceCodec implements DeviceCodec {
  constructor(private readonly codec: NonNullable<ReturnType<typeof findBuiltinCodec>>) {}
  get name(): string {
    return this.codec.id;
  }
  decode(input: UplinkInput): CodecOutcome {
    return runBuiltinDecode(this.codec, input);
  }
  encode(input: CommandInput): CommandEncoding {
    return runBuiltinEncode(this.codec, input);
  }
  dispose(): void {
    // Stateless.
  }
}

/** The built-in encoder's result checked the same way the sandbox checks user codecs. */
function runBuiltinEncode(codec: BuiltinCodec, input: CommandInput): CommandEncoding {
  const encoder = codec.encodeDownlink;
  if (encoder === undefined) return { warnings: [], errors: [`codec ${codec.id} has no downlink encoder; send bytes instead`] };
  let out: ReturnType<typeof encoder>;
  try {
    out = encoder({ data: input.data, variables: input.variables });
  } catch (e) {
    return { warnings: [], errors: [`codec ${codec.id} threw: ${e instanceof Error ? e.message : String(e)}`] };
  }
  const warnings = (out?.warnings ?? []).map(String);
  const errors = (out?.errors ?? []).map(String);
  if (errors.length > 0) return { warnings, errors };
  const bytes = out?.bytes;
  if (!Array.isArray(bytes) || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
    return { warnings, errors: [`codec ${codec.id} returned no valid bytes`] };
  }
  return { bytes, fPort: out.fPort ?? input.fPort, warnings, errors };
}

class SandboxDeviceCodec implements DeviceCodec {
  constructor(
    readonly name: string,
    private readonly codec: UserCodec,
  ) {}
  decode(input: UplinkInput): CodecOutcome {
    return this.codec.decodeUplink(input);
  }
  encode(input: CommandInput): CommandEncoding {
    if (!this.codec.encodeDownlink) return { warnings: [], errors: [`codec ${this.name} defines no encodeDownlink; send bytes instead`] };
    const out = this.codec.encodeDownlink(input);
    return out.errors.length > 0 ? out : { ...out, fPort: out.fPort ?? input.fPort };
  }
  dispose(): void {
    this.codec.dispose();
  }
}

/** Stands in for a codec that could not be loaded: devices stay attributed, each frame says why. */
class UnavailableCodec implements DeviceCodec {
  private readonly errors: string[];
  constructor(
    readonly name: string,
    reason: string,
  ) {
    this.errors = [`codec ${name} is not available: ${reason}`];
  }
  decode(): CodecOutcome {
    return { data: null, warnings: [], errors: this.errors.slice() };
  }
  encode(): CommandEncoding {
    return { warnings: [], errors: this.errors.slice() };
  }
  dispose(): void {}
}

export function codecName(ref: CodecRef): string {
  return ref.kind === 'builtin' ? ref.id : path.basename(ref.path);
}

/** Builds the codecs a set of profiles needs; JavaScript files are loaded into the sandbox once each. */
export async function loadDeviceCodecs(
  refs: Iterable<CodecRef>,
  limits: UserCodecLimits,
  logger: Logger,
): Promise<{ codecs: Map<string, DeviceCodec>; problems: string[] }> {
  const codecs = new Map<string, DeviceCodec>();
  const problems: string[] = [];
  for (const ref of refs) {
    const key = codecKey(ref);
    if (codecs.has(key)) continue;
    if (ref.kind === 'builtin') {
      const builtin = findBuiltinCodec(ref.id);
      codecs.set(key, builtin ? new BuiltinDeviceCodec(builtin) : new UnavailableCodec(ref.id, 'no such built-in codec'));
      continue;
    }
    const name = codecName(ref);
    try {
      const user = await loadUserCodec(ref.path, { ...limits, logger: logger.child({ codec: name }) });
      codecs.set(key, new SandboxDeviceCodec(name, user));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      problems.push(`${ref.path}: ${reason}`);
      codecs.set(key, new UnavailableCodec(name, reason));
    }
  }
  return { codecs, problems };
}

/** The identity under which codecs are shared. */
export function codecKey(ref: CodecRef): string {
  return ref.kind === 'builtin' ? `builtin:${ref.id}` : `file:${ref.path}`;
}
