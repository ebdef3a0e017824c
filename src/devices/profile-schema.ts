// What a local device profile file may contain: one YAML file per device model. (Shipped profiles
// are not files: builtin-profiles.ts derives them from the built-in codecs.)
import { z } from 'zod';
import type { DeviceCategory, DeviceClass } from '../codecs/contract.js';
import type { CodecRef } from '../codecs/codec-ref.js';
import { requiredText } from './schema-helpers.js';

export const PROFILE_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const DEVICE_CATEGORIES = ['streetlight', 'parking', 'air', 'other'] as const satisfies readonly DeviceCategory[];
export const DEVICE_CLASSES = ['A', 'B', 'C'] as const satisfies readonly DeviceClass[];
/** LoRaWAN regional parameter sets (RP002 names). */
export const REGIONS = [
  'EU868', 'US915', 'CN779', 'EU433', 'AU915', 'CN470', 'AS923', 'AS923-2', 'AS923-3', 'AS923-4', 'KR920', 'IN865', 'RU864',
] as const;

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (iss) => (iss.input === undefined ? 'is required' : `must be one of ${values.join(', ')}`),
  });
}

export const profileSchema = z.strictObject({
  id: requiredText().regex(PROFILE_ID_PATTERN, 'must be lower-case letters and digits joined by "-" (for example acme-th01)'),
  vendor: requiredText(),
  model: requiredText(),
  category: oneOf(DEVICE_CATEGORIES),
  /** A built-in codec id, or a path to a JavaScript (TS013) codec file relative to the profile file. */
  codec: requiredText(),
  fPorts: z
    .array(
      z.int({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a whole number') })
        .min(1, 'must be 1..223 (application ports)')
        .max(223, 'must be 1..223 (application ports)'),
      { error: (iss) => (iss.input === undefined ? 'is required' : 'must be a list of port numbers, e.g. [1, 2]') },
    )
    .min(1, 'must list at least one port')
    .refine((ports) => new Set(ports).size === ports.length, { message: 'lists a port twice' }),
  class: oneOf(DEVICE_CLASSES),
  region: oneOf(REGIONS),
  description: requiredText(),
  /**
   * Payloads with the output the codec must give (`description`, `input: {fPort, bytes}`,
   * `output: {data, warnings, errors}`, as in a device-repository codec YAML). The daemon does not
   * use them; `lora-edge profiles check` runs them (src/tools/codec-examples.ts checks their shape).
   */
  examples: z.array(z.unknown(), { error: 'must be a list of examples' }).optional(),
});

export type ProfileFields = z.output<typeof profileSchema>;

/** A loaded profile, shipped or local (defined here, beside its fields, so both loaders can share it). */
export interface DeviceProfile extends ProfileFields {
  /** Absolute path of the profile file (for a shipped profile, its built-in codec's module). */
  file: string;
  codecRef: CodecRef;
  /** `fleet`: from a bundle the hub published (src/fleet/). */
  origin: 'shipped' | 'local' | 'fleet';
}
