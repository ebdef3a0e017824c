// The device registry file: which devices this gateway knows, whose they are, which profile
// decodes them and their LoRaWAN keys. Parsed with the YAML failsafe schema so every scalar stays
// text: a DevAddr like 00112233 or a key like 0e12... must not turn into a number.
// Every problem is listed (entry, devEui, key path, line); any problem refuses the whole file
// (never half a registry). Messages never contain key material.
import fs from 'node:fs';
import { z } from 'zod';
import { readYaml } from '../safe-yaml.js';
import type { DeviceProfile } from './profiles.js';
import { devAddrSchema, euiSchema, issuesToProblems, keySchema, requiredText, shownKeyName, type Problem } from './schema-helpers.js';

export type Activation =
  | { mode: 'ABP'; devAddr: number; devAddrHex: string; nwkSKey: Buffer; appSKey: Buffer }
  | { mode: 'OTAA'; joinEui: string; appKey: Buffer };

export interface RegistryEntry {
  /** 1-based position in the `devices:` list. */
  entry: number;
  line: number | null;
  /** 16 lower-case hex digits. */
  devEui: string;
  name: string;
  profile: DeviceProfile;
  owner: string;
  variables: Readonly<Record<string, string>>;
  activation: Activation;
  /** Edge mode for this device (`edge: true/false`); undefined follows the global `edge.enabled`. */
  edge?: boolean;
  /** Overrides the profile's device class for downlinks (`class: A` or `C`). */
  deviceClass?: 'A' | 'C';
}

export interface RegistryProblem extends Problem {
  /** 1-based entry number; null for problems with the file as a whole. */
  entry: number | null;
  devEui: string | null;
  line: number | null;
}

export type RegistryParseResult =
  /** Every entry is valid; `problems` is always empty (kept so callers can list problems uniformly). */
  | { ok: true; entries: RegistryEntry[]; problems: RegistryProblem[] }
  /** The file, or at least one entry, has a problem: nothing loads. */
  | { ok: false; problems: RegistryProblem[] };

const entrySchema = z.strictObject({
  devEui: euiSchema(),
  name: requiredText(),
  profile: requiredText(),
  owner: requiredText(),
  variables: z
    .record(z.string(), z.string({ error: 'must be text (one value per variable)' }), {
      error: 'must be a map of names to text values',
    })
    .optional(),
  activation: z.unknown(),
  // The registry is read with the YAML failsafe schema, so booleans arrive as text.
  edge: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  class: z.enum(['A', 'C'], { error: 'must be A or C (class B is not supported at the edge)' }).optional(),
});

const abpSchema = z.strictObject({ devAddr: devAddrSchema(), nwkSKey: keySchema(), appSKey: keySchema() });
const otaaSchema = z.strictObject({ joinEui: euiSchema(), appKey: keySchema() });
const ABP_KEYS = ['devAddr', 'nwkSKey', 'appSKey'];
const OTAA_KEYS = ['joinEui', 'appKey'];
const ACTIVATION_HELP = 'ABP {devAddr, nwkSKey, appSKey} or OTAA {joinEui, appKey}';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseActivation(raw: unknown): { activation: Activation | null; problems: Problem[] } {
  if (raw === undefined || raw === '') return { activation: null, problems: [{ key: 'activation', path: ['activation'], message: `is required: ${ACTIVATION_HELP}` }] };
  if (!isPlainObject(raw)) return { activation: null, problems: [{ key: 'activation', path: ['activation'], message: `must be a map: ${ACTIVATION_HELP}` }] };
  const keys = Object.keys(raw);
  const abp = keys.some((k) => ABP_KEYS.includes(k));
  const otaa = keys.some((k) => OTAA_KEYS.includes(k));
  if (abp && otaa) {
    return { activation: null, problems: [{ key: 'activation', path: ['activation'], message: `mixes ABP and OTAA keys; give one set: ${ACTIVATION_HELP}` }] };
  }
  if (!abp && !otaa) return { activation: null, problems: [{ key: 'activation', path: ['activation'], message: `must hold ${ACTIVATION_HELP}` }] };
  if (abp) {
    const r = abpSchema.safeParse(raw);
    if (!r.success) return { activation: null, problems: issuesToProblems(r.error.issues, ['activation']) };
    const devAddr = parseInt(r.data.devAddr, 16) >>> 0;
    return {
      activation: {
        mode: 'ABP',
        devAddr,
        devAddrHex: r.data.devAddr,
        nwkSKey: Buffer.from(r.data.nwkSKey, 'hex'),
        appSKey: Buffer.from(r.data.appSKey, 'hex'),
      },
      problems: [],
    };
  }
  const r = otaaSchema.safeParse(raw);
  if (!r.success) return { activation: null, problems: issuesToProblems(r.error.issues, ['activation']) };
  return { activation: { mode: 'OTAA', joinEui: r.data.joinEui, appKey: Buffer.from(r.data.appKey, 'hex') }, problems: [] };
}

function fileProblem(message: string, line: number | null = null): RegistryProblem {
  return { entry: null, devEui: null, line, key: '', message };
}

/**
 * Parses registry text against the known profiles. All or nothing: any problem (in the file or in
 * one entry) refuses the whole registry, so a half-written or mistyped file never replaces a good
 * one with part of itself. Never throws.
 */
export function parseRegistry(text: string, profiles: ReadonlyMap<string, DeviceProfile>): RegistryParseResult {
  const read = readYaml(text, { schema: 'failsafe' });
  if (!read.ok) return { ok: false, problems: read.problems.map((p) => fileProblem(p.message, p.line)) };
  return parseRegistryDocument(read.value, profiles, read.lineOf);
}

/**
 * The same checks on a document already parsed: `{ devices: [...] }` whose scalars are all text
 * (as the failsafe YAML schema gives them). Fleet bundles carry their entries this way, so a
 * bundle entry is refused for exactly the reasons a registry file entry is.
 */
export function parseRegistryDocument(
  root: unknown,
  profiles: ReadonlyMap<string, DeviceProfile>,
  lineOf: (path: readonly PropertyKey[]) => number | null = () => null,
): RegistryParseResult {
  const read = { lineOf };
  if (!isPlainObject(root)) return { ok: false, problems: [fileProblem('must be a map with a top-level "devices:" list', read.lineOf([]))] };
  const problems: RegistryProblem[] = [];
  for (const k of Object.keys(root)) {
    if (k !== 'devices') problems.push(fileProblem(`unknown top-level key "${shownKeyName(k)}" (only "devices" is read)`, read.lineOf([k])));
  }
  const rawList: unknown = root.devices;
  if (rawList === undefined) return { ok: false, problems: [...problems, fileProblem('has no top-level "devices:" list')] };
  if (rawList === '' || rawList === null) return problems.length > 0 ? { ok: false, problems } : { ok: true, entries: [], problems };
  if (!Array.isArray(rawList)) {
    return { ok: false, problems: [...problems, fileProblem('"devices" must be a list (each item starting with "- ")', read.lineOf(['devices']))] };
  }

  const entries: RegistryEntry[] = [];
  const byEui = new Map<string, number>();
  rawList.forEach((raw: unknown, i: number) => {
    const entry = i + 1;
    const line = read.lineOf(['devices', i]);
    const rawEui = isPlainObject(raw) && typeof raw.devEui === 'string' ? raw.devEui.trim().toLowerCase() : null;
    const report = (found: Problem[], devEui: string | null) => {
      for (const p of found) {
        const at = p.path && p.path.length > 0 ? read.lineOf(['devices', i, ...p.path]) : line;
        problems.push({ entry, devEui, line: at, key: p.key, message: p.message });
      }
    };
    if (!isPlainObject(raw)) {
      report([{ key: '', message: 'must be a map with devEui, name, profile, owner and activation' }], null);
      return;
    }
    const r = entrySchema.safeParse(raw);
    const act = parseActivation(raw.activation);
    const found = r.success ? [] : issuesToProblems(r.error.issues);
    found.push(...act.problems);
    if (r.success) {
      if (!profiles.has(r.data.profile)) {
        found.push({ key: 'profile', path: ['profile'], message: `unknown profile "${r.data.profile}" (known: ${[...profiles.keys()].sort().join(', ')})` });
      }
      const earlier = byEui.get(r.data.devEui);
      if (earlier !== undefined) found.push({ key: 'devEui', path: ['devEui'], message: `duplicate: entry ${earlier} already has this devEui` });
    }
    if (!r.success || act.activation === null || found.length > 0) {
      report(found, r.success ? r.data.devEui : rawEui);
      return;
    }
    byEui.set(r.data.devEui, entry);
    entries.push({
      entry,
      line,
      devEui: r.data.devEui,
      name: r.data.name,
      profile: profiles.get(r.data.profile) as DeviceProfile,
      owner: r.data.owner,
      variables: Object.freeze({ ...(r.data.variables ?? {}) }),
      activation: act.activation,
      ...(r.data.edge !== undefined ? { edge: r.data.edge === 'true' } : {}),
      ...(r.data.class !== undefined ? { deviceClass: r.data.class } : {}),
    });
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, entries, problems };
}

export function formatRegistryProblem(p: RegistryProblem, file: string): string {
  let where = file;
  if (p.entry !== null) where += `: entry ${p.entry}${p.devEui ? ` (devEui ${p.devEui})` : ''}`;
  if (p.line !== null) where += ` [line ${p.line}]`;
  return p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`;
}

export interface RegistryFileResult {
  result: RegistryParseResult;
  /** Problems that do not stop loading, e.g. file permissions. */
  warnings: string[];
  /** The exact text read (to notice rewrites that change nothing). */
  text: string | null;
}

/** Reads and parses the registry file; never throws. */
export function readRegistryFile(file: string, profiles: ReadonlyMap<string, DeviceProfile>): RegistryFileResult {
  const warnings: string[] = [];
  let text: string;
  try {
    const st = fs.statSync(file);
    if ((st.mode & 0o077) !== 0) {
      warnings.push(
        `${file} is readable or writable by group/others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); ` +
          `it holds device keys: restrict it with chmod 600 ${file}`,
      );
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the file does not exist' : (err as Error).message;
    return { result: { ok: false, problems: [fileProblem(`cannot read the device registry: ${why}`)] }, warnings, text: null };
  }
  return { result: parseRegistry(text, profiles), warnings, text };
}
