// Public API of the built-in device codecs: the list in catalogue.ts, checked once at load time
// so a bad entry fails the daemon's start, not a decode at 3 a.m.; lookup by id; where each
// codec's file is (its shipped device profile points there).
import { dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuiltinCodec, DeviceCategory, DeviceClass } from '../contract.js';
import * as catalogue from './catalogue.js';
import { isDefinedCodec } from './define-codec.js';

export { runBuiltinDecode, runBuiltinEncode } from './outcome.js';

/** A catalogue entry is malformed (duplicate id, missing metadata, bad fPort list). */
export class CodecCatalogueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecCatalogueError';
  }
}

const CATEGORIES: ReadonlySet<DeviceCategory> = new Set<DeviceCategory>(['streetlight', 'parking', 'air', 'other']);
const CLASSES: ReadonlySet<DeviceClass> = new Set<DeviceClass>(['A', 'B', 'C']);
const ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function nonEmpty(v: unknown): boolean {
  return typeof v === 'string' && v.trim().length > 0;
}

/** Throws `CodecCatalogueError` describing every problem found; returns an id -> codec map. */
export function validateCatalogue(codecs: readonly BuiltinCodec[]): Map<string, BuiltinCodec> {
  const problems: string[] = [];
  const byId = new Map<string, BuiltinCodec>();
  codecs.forEach((c, index) => {
    const label = typeof c?.id === 'string' ? c.id : `#${index}`;
    if (typeof c?.id !== 'string' || !ID_PATTERN.test(c.id)) problems.push(`${label}: id must be lower-case words joined by "-"`);
    else if (byId.has(c.id)) problems.push(`${label}: duplicate id`);
    else byId.set(c.id, c);
    if (!nonEmpty(c?.vendor)) problems.push(`${label}: vendor is missing`);
    if (!nonEmpty(c?.model)) problems.push(`${label}: model is missing`);
    if (!nonEmpty(c?.description)) problems.push(`${label}: description is missing`);
    if (!CLASSES.has(c?.deviceClass)) problems.push(`${label}: deviceClass must be one of ${[...CLASSES].join(', ')}`);
    if (!CATEGORIES.has(c?.category)) problems.push(`${label}: category must be one of ${[...CATEGORIES].join(', ')}`);
    const ports: unknown = c?.fPorts;
    if (!Array.isArray(ports) || ports.length === 0) problems.push(`${label}: fPorts must be a non-empty list`);
    else {
      for (const p of ports) {
        if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 255) problems.push(`${label}: fPort ${String(p)} is not 1..255`);
      }
      if (new Set(ports).size !== ports.length) problems.push(`${label}: fPorts has duplicates`);
    }
    if (typeof c?.decodeUplink !== 'function') problems.push(`${label}: decodeUplink is not a function`);
    if (c?.encodeDownlink !== undefined && typeof c.encodeDownlink !== 'function') problems.push(`${label}: encodeDownlink is not a function`);
    if (c?.examples !== undefined && !Array.isArray(c.examples)) problems.push(`${label}: examples must be a list`);
    // The dispatch does not wrap defineCodec's codecs a second time (outcome.ts), so only those may be listed.
    if (c !== null && typeof c === 'object' && !isDefinedCodec(c)) problems.push(`${label}: not made by defineCodec`);
  });
  if (problems.length > 0) throw new CodecCatalogueError(`invalid built-in codec catalogue: ${problems.join('; ')}`);
  return byId;
}

/** Every built-in codec, in id order. */
export const builtinCodecs: BuiltinCodec[] = Object.values(catalogue).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

const BY_ID = validateCatalogue(builtinCodecs);

export function findBuiltinCodec(id: string): BuiltinCodec | undefined {
  return BY_ID.get(id);
}

/** The built-in codec ids, sorted (for messages listing what is available). */
export function builtinCodecIds(): string[] {
  return builtinCodecs.map((c) => c.id).sort();
}

/** The folder of the built-in codec modules (compiled or, under tsx, the sources). */
export function builtinCodecDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/** The module a built-in codec is defined in: one file per model, named after its id. */
export function builtinCodecFile(id: string): string {
  return fileURLToPath(new URL(`./${id}${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
}
