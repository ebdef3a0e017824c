// The codecs a set of profiles needs, opened through the one codec dispatch
// (codecs/device-codec.ts) and shared: every profile naming the same codec gets the same instance,
// so a JavaScript file is loaded into the sandbox once.
import { codecKey, codecName, type CodecRef } from '../codecs/codec-ref.js';
import { openDeviceCodec, unavailableCodec, UnknownBuiltinCodecError, type DeviceCodec } from '../codecs/device-codec.js';
import type { Logger } from '../log.js';

export type { DeviceCodec } from '../codecs/device-codec.js';
export type { CommandEncoding, CommandInput } from '../codecs/contract.js';
export { codecKey, codecName };

export interface UserCodecLimits {
  timeLimitMs: number;
  memoryLimitBytes?: number;
  quarantineAfter?: number;
}

/** Builds the codecs a set of profiles needs; a codec that does not load decodes every frame to an error saying why. */
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
    const name = codecName(ref);
    try {
      codecs.set(key, await openDeviceCodec(ref, { ...limits, logger: logger.child({ codec: name }) }));
    } catch (err) {
      // Profiles refuse unknown built-in ids, so this one is only reachable from hand-made refs.
      if (err instanceof UnknownBuiltinCodecError) {
        codecs.set(key, unavailableCodec(name, 'no such built-in codec'));
        continue;
      }
      const reason = err instanceof Error ? err.message : String(err);
      problems.push(`${ref.kind === 'file' ? ref.path : name}: ${reason}`);
      codecs.set(key, unavailableCodec(name, reason));
    }
  }
  return { codecs, problems };
}
