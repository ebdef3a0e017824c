// The device profiles shipped with lora-edge: one per built-in codec, derived from its definition
// (codecs/builtin/<id>.ts), so a model's vendor, model, ports and class are written only there.
import type { BuiltinCodec } from '../codecs/contract.js';
import { builtinCodecFile, builtinCodecs } from '../codecs/builtin/index.js';
import type { DeviceProfile } from './profile-schema.js';

/** The shipped profiles describe the EU868 variant of each model. */
const BUILTIN_REGION = 'EU868';

export function builtinProfile(codec: BuiltinCodec): DeviceProfile {
  return {
    id: codec.id,
    vendor: codec.vendor,
    model: codec.model,
    category: codec.category,
    codec: codec.id,
    fPorts: codec.fPorts.slice(),
    class: codec.deviceClass,
    region: BUILTIN_REGION,
    description: codec.description,
    ...(codec.examples !== undefined ? { examples: [...codec.examples] } : {}),
    file: builtinCodecFile(codec.id),
    codecRef: { kind: 'builtin', id: codec.id },
    origin: 'shipped',
  };
}

export function builtinProfiles(): DeviceProfile[] {
  return builtinCodecs.map(builtinProfile);
}
