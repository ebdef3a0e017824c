// Environment overrides: every scalar key of the schema can be set as LORA_EDGE_<PATH>, the path in
// UPPER_SNAKE case: mqtt.topicPrefix -> LORA_EDGE_MQTT_TOPIC_PREFIX. The list is derived from the
// schema itself, so a new key is overridable without further code.
import type { z } from 'zod';
import { configSchema } from './schema.js';

export const ENV_PREFIX = 'LORA_EDGE_';

type LeafKind = 'string' | 'number' | 'boolean';

interface ZodDefLike {
  type: string;
  shape?: Record<string, { _zod: { def: ZodDefLike } }>;
  innerType?: { _zod: { def: ZodDefLike } };
  in?: { _zod: { def: ZodDefLike } };
  options?: Array<{ _zod: { def: ZodDefLike } }>;
}

function defOf(schema: z.ZodType): ZodDefLike {
  return (schema as unknown as { _zod: { def: ZodDefLike } })._zod.def;
}

function leafKind(def: ZodDefLike): LeafKind | 'object' | 'other' {
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
      return leafKind(def.innerType!._zod.def);
    case 'pipe':
      return leafKind(def.in!._zod.def);
    case 'object':
      return 'object';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
    case 'enum':
    case 'literal':
    case 'union': // durations and sizes: strings such as "30s" or plain numbers, parsed by the schema
      return 'string';
    default:
      return 'other';
  }
}

function unwrapObject(def: ZodDefLike): ZodDefLike | undefined {
  if (def.type === 'object') return def;
  if (def.innerType) return unwrapObject(def.innerType._zod.def);
  if (def.in) return unwrapObject(def.in._zod.def);
  return undefined;
}

const toSnake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

export interface EnvKey {
  name: string;
  path: string[];
  kind: LeafKind;
}

function collect(def: ZodDefLike, path: string[], out: EnvKey[]): void {
  const obj = unwrapObject(def);
  if (!obj?.shape) return;
  for (const [key, child] of Object.entries(obj.shape)) {
    const childPath = [...path, key];
    const kind = leafKind(child._zod.def);
    if (kind === 'object') collect(child._zod.def, childPath, out);
    else if (kind !== 'other') out.push({ name: ENV_PREFIX + childPath.map(toSnake).join('_'), path: childPath, kind });
  }
}

let cached: EnvKey[] | undefined;
/** Every environment variable the daemon reads for config overrides. */
export function envKeys(): EnvKey[] {
  if (!cached) {
    cached = [];
    collect(defOf(configSchema), [], cached);
  }
  return cached;
}

/**
 * Applies LORA_EDGE_* variables onto a raw (unvalidated) config object, returning the names applied
 * and problems for values of the wrong type.
 */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { applied: string[]; problems: string[] } {
  const applied: string[] = [];
  const problems: string[] = [];
  for (const key of envKeys()) {
    const value = env[key.name];
    if (value === undefined) continue;
    let parsed: unknown = value;
    if (key.kind === 'number') {
      parsed = Number(value);
      if (value.trim() === '' || !Number.isFinite(parsed)) {
        problems.push(`${key.name}: "${value}" is not a number`);
        continue;
      }
    } else if (key.kind === 'boolean') {
      if (!/^(true|false|1|0|yes|no)$/i.test(value)) {
        problems.push(`${key.name}: "${value}" is not a boolean (use true or false)`);
        continue;
      }
      parsed = /^(true|1|yes)$/i.test(value);
    }
    let node = raw;
    for (const segment of key.path.slice(0, -1)) {
      const next = node[segment];
      if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    node[key.path[key.path.length - 1]] = parsed;
    applied.push(key.name);
  }
  return { applied, problems };
}
