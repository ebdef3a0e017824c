// The serial drivers, one line each. Everything else that knows driver names or driver keys (the
// config schema, the config template, check-config, SerialSource, the simulator's --driver) reads
// them from here, so adding a driver is its definition file plus one line below.
import type { z } from 'zod';
import { atModemDefinition } from './at/definition.js';
import { loraE5 } from './at/lora-e5.js';
import { rak3172 } from './at/rak3172.js';
import { rn2483 } from './at/rn2483.js';
import { semtech2g4Definition } from './semtech-2g4/definition.js';
import type { SerialDriverDefinition } from './serial-driver.js';

export const SERIAL_DRIVER_REGISTRY = [
  semtech2g4Definition,
  atModemDefinition(loraE5),
  atModemDefinition(rak3172),
  atModemDefinition(rn2483),
] as const;

export type SerialDriverName = (typeof SERIAL_DRIVER_REGISTRY)[number]['name'];

/** Any entry, with its settings seen as a plain object (what code handling every driver alike needs). */
export type AnySerialDriver = SerialDriverDefinition<SerialDriverName, z.ZodObject>;

export const serialDriverNames = SERIAL_DRIVER_REGISTRY.map((driver) => driver.name) as [SerialDriverName, ...SerialDriverName[]];

export function findSerialDriver(name: string): AnySerialDriver | undefined {
  return (SERIAL_DRIVER_REGISTRY as readonly AnySerialDriver[]).find((driver) => driver.name === name);
}

// Every driver's keys in one object type. Drivers that share a key (the AT modems' frequency)
// declare it with the same type, so the intersection is just the union of the keys.
type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (intersection: infer I) => void ? I : never;
type AllDriverKeys = UnionToIntersection<(typeof SERIAL_DRIVER_REGISTRY)[number]['settings']['shape']>;

/** Driver keys as a SerialSource built in code takes them. */
export type SerialDriverSettings = { [K in keyof AllDriverKeys]?: z.input<Extract<AllDriverKeys[K], z.ZodType>> };

/**
 * Every driver's keys, each optional, for the config schema of a `type: serial` source: the file
 * may hold the keys of any serial driver (a key of another driver is ignored, as it always was);
 * which ones the chosen driver needs and what values work is checked by serialDriverProblems.
 */
export const serialDriverKeys = Object.fromEntries(
  SERIAL_DRIVER_REGISTRY.flatMap((driver) => Object.entries(driver.settings.shape)).map(([key, schema]) => [key, schema.optional()]),
) as { [K in keyof AllDriverKeys]: z.ZodOptional<Extract<AllDriverKeys[K], z.ZodType>> };

export interface SerialSettingsProblem {
  /** Key path inside the source, e.g. `['channels', 0, 'frequency']`. */
  path: PropertyKey[];
  message: string;
  /** A key the driver needs was not given. */
  missing: boolean;
}

export type SerialSettingsResult = { ok: true; settings: Record<string, unknown> } | { ok: false; problems: SerialSettingsProblem[] };

/** Checks the driver's keys among `values` (a source's settings); other keys are left alone. */
export function parseSerialDriverSettings(driver: AnySerialDriver, values: Readonly<Record<string, unknown>>): SerialSettingsResult {
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(driver.settings.shape)) if (values[key] !== undefined) own[key] = values[key];
  const result = driver.settings.safeParse(own);
  if (result.success) return { ok: true, settings: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      path: issue.path,
      message: issue.message,
      missing: issue.code === 'invalid_type' && issue.path.length === 1 && own[String(issue.path[0])] === undefined,
    })),
  };
}
