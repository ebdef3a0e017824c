// The catalogue of built-in device codecs. Checked once at load time so a bad entry fails the
// daemon's start, not a decode at 3 a.m.
import type { BuiltinCodec, DeviceCategory } from '../contract.js';
import { boschTps110 } from './bosch-tps110.js';
import { decentlabDlLp8p } from './decentlab-dl-lp8p.js';
import { decentlabDlPm } from './decentlab-dl-pm.js';
import { elsysErs } from './elsys-ers.js';
import { milesightAm307 } from './milesight-am307.js';
import { milesightAm319 } from './milesight-am319.js';
import { milesightWs558 } from './milesight-ws558.js';
import { nasysUl20xx } from './nasys-ul20xx.js';
import { netvoxR719a } from './netvox-r719a.js';
import { nwaveNps405 } from './nwave-nps405.js';
import { tekzitelTekzipark } from './tekzitel-tekzipark.js';

export { runBuiltinDecode } from './run.js';

/** A catalogue entry is malformed (duplicate id, missing metadata, bad fPort list). */
export class CodecCatalogueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecCatalogueError';
  }
}

const CATEGORIES: ReadonlySet<DeviceCategory> = new Set<DeviceCategory>(['streetlight', 'parking', 'air', 'other']);
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
  });
  if (problems.length > 0) throw new CodecCatalogueError(`invalid built-in codec catalogue: ${problems.join('; ')}`);
  return byId;
}

export const builtinCodecs: BuiltinCodec[] = [
  nasysUl20xx,
  milesightWs558,
  boschTps110,
  nwaveNps405,
  netvoxR719a,
  tekzitelTekzipark,
  elsysErs,
  milesightAm307,
  milesightAm319,
  decentlabDlPm,
  decentlabDlLp8p,
];

const BY_ID = validateCatalogue(builtinCodecs);

export function findBuiltinCodec(id: string): BuiltinCodec | undefined {
  return BY_ID.get(id);
}
