// A profile's codec as the decode path sees it: a name for the record and a synchronous decode
// that never throws. Built-in codecs are plain functions; JavaScript codecs run in the QuickJS
// sandbox and are loaded once per file (all profiles naming the same file share it).
import path from 'node:path';
import type { CodecOutcome, UplinkInput } from '../codecs/contract.js';
import { findBuiltinCodec, runBuiltinDecode } from '../codecs/builtin/index.js';
import { loadUserCodec, type UserCodec } from '../codecs/sandbox/index.js';
import type { Logger } from '../log.js';
import type { CodecRef } from './profiles.js';

export interface DeviceCodec {
  /** Written to `decoded.codec`: the built-in id, or the JavaScript file name (`acme-th01.js`). */
  readonly name: string;
  decode(input: UplinkInput): CodecOutcome;
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
  dispose(): void {
    // Stateless.
  }
}

class SandboxDeviceCodec implements DeviceCodec {
  constructor(
    readonly name: string,
    private readonly codec: UserCodec,
  ) {}
  decode(input: UplinkInput): CodecOutcome {
    return this.codec.decodeUplink(input);
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
