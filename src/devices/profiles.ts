// Loading device profiles: the ones shipped with lora-edge (one per built-in codec, derived from
// its definition) plus an optional directory of local ones (which may replace a shipped id).
// Every problem is reported with its file, line and key; loadProfiles lists them all and the
// device directory refuses a reload while any remains.
import fs from 'node:fs';
import path from 'node:path';
import { builtinCodecDir, builtinCodecIds, findBuiltinCodec } from '../codecs/builtin/index.js';
import { isCodecPath, type CodecRef } from '../codecs/codec-ref.js';
import type { Logger } from '../log.js';
import { readYaml } from '../safe-yaml.js';
import { builtinProfiles } from './builtin-profiles.js';
import { profileSchema, type DeviceProfile } from './profile-schema.js';
import { issuesToProblems } from './schema-helpers.js';

export type { CodecRef };

export type { DeviceProfile };

export interface ProfileProblem {
  file: string;
  /** Key inside the file ('' when the whole file is concerned). */
  key: string;
  message: string;
  /** 1-based line of the problem in the file, when known. */
  line?: number | null;
}

export interface ProfileSet {
  profiles: Map<string, DeviceProfile>;
  problems: ProfileProblem[];
}

export function formatProfileProblem(p: ProfileProblem): string {
  const where = p.line != null ? `${p.file} [line ${p.line}]` : p.file;
  return p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`;
}

/** Where the shipped profiles come from: the built-in codec modules. */
export function shippedProfilesDir(): string {
  return builtinCodecDir();
}

export { isCodecPath, builtinCodecIds };

/**
 * Where a profile's JavaScript codec path leads when the profile is not a file on disk (a fleet
 * bundle): the codec, or why there is none.
 */
export type CodecPathResolver = (codecPath: string) => CodecRef | { problem: string };

/**
 * Parses one profile file's text; `file` is its absolute path (codec paths are relative to it), or
 * its name inside a fleet bundle, whose codecs `resolveCodecPath` finds.
 */
export function parseProfile(
  text: string,
  file: string,
  origin: DeviceProfile['origin'],
  resolveCodecPath?: CodecPathResolver,
): { profile: DeviceProfile | null; problems: ProfileProblem[] } {
  const read = readYaml(text, { schema: 'core' });
  if (!read.ok) return { profile: null, problems: read.problems.map((p) => ({ file, key: '', message: p.message, line: p.line })) };
  const problem = (key: string, message: string, path: readonly PropertyKey[] = [key]): ProfileProblem => ({
    file, key, message, line: read.lineOf(path),
  });
  const raw: unknown = read.value;
  if (raw === null || raw === undefined) return { profile: null, problems: [{ file, key: '', message: 'the file is empty', line: null }] };
  const parsed = profileSchema.safeParse(raw);
  if (!parsed.success) {
    return { profile: null, problems: issuesToProblems(parsed.error.issues).map((p) => problem(p.key, p.message, p.path ?? [])) };
  }
  const fields = parsed.data;
  let codecRef: CodecRef;
  if (isCodecPath(fields.codec) && resolveCodecPath) {
    const found = resolveCodecPath(fields.codec);
    if ('problem' in found) return { profile: null, problems: [problem('codec', found.problem)] };
    codecRef = found;
  } else if (isCodecPath(fields.codec)) {
    const codecFile = path.resolve(path.dirname(file), fields.codec);
    let isFile = false;
    try {
      isFile = fs.statSync(codecFile).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) return { profile: null, problems: [problem('codec', `codec file ${fields.codec} not found (looked for ${codecFile})`)] };
    codecRef = { kind: 'file', path: codecFile };
  } else {
    if (!findBuiltinCodec(fields.codec)) {
      return {
        profile: null,
        problems: [
          problem(
            'codec',
            `"${fields.codec}" is not a built-in codec (available: ${builtinCodecIds().join(', ')}); ` +
              'a JavaScript codec is given as a path such as ./my-codec.js',
          ),
        ],
      };
    }
    codecRef = { kind: 'builtin', id: fields.codec };
  }
  return { profile: { ...fields, file, codecRef, origin }, problems: [] };
}

/**
 * A local profile naming a built-in codec may list fewer ports than the codec (a model using part
 * of a protocol) but not one the codec refuses: every frame on it would be an error. The daemon
 * still loads such a profile (its other ports decode); `profiles check` reports this line.
 */
export function builtinPortProblem(profile: DeviceProfile): ProfileProblem | null {
  if (profile.codecRef.kind !== 'builtin') return null;
  const codec = findBuiltinCodec(profile.codecRef.id);
  if (codec === undefined) return null;
  const outside = profile.fPorts.filter((p) => !codec.fPorts.includes(p));
  if (outside.length === 0) return null;
  return {
    file: profile.file,
    key: 'fPorts',
    message: `built-in codec ${codec.id} decodes fPorts ${codec.fPorts.join(', ')} only; frames on ${outside.join(', ')} will be errors`,
  };
}

/** Every `*.yaml` / `*.yml` profile in `dir`, in name order; duplicate ids inside the directory are refused. */
export function loadProfileDir(dir: string, origin: DeviceProfile['origin']): { profiles: DeviceProfile[]; problems: ProfileProblem[] } {
  const absDir = path.resolve(dir);
  let names: string[];
  try {
    names = fs.readdirSync(absDir).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch (err) {
    return { profiles: [], problems: [{ file: absDir, key: '', message: `cannot read the profile directory: ${(err as Error).message}` }] };
  }
  const profiles: DeviceProfile[] = [];
  const problems: ProfileProblem[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = path.join(absDir, name);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      problems.push({ file, key: '', message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    const result = parseProfile(text, file, origin);
    problems.push(...result.problems);
    if (!result.profile) continue;
    const earlier = seen.get(result.profile.id);
    if (earlier !== undefined) {
      problems.push({ file, key: 'id', message: `id "${result.profile.id}" is already used by ${earlier}; this profile is skipped` });
      continue;
    }
    seen.set(result.profile.id, file);
    profiles.push(result.profile);
  }
  return { profiles, problems };
}

export interface LoadProfilesOptions {
  /** The local profile directory (config `devices.profilesDir`). */
  extraDir?: string;
  logger?: Logger;
}

/** Shipped profiles, then local ones; a local profile with a shipped id replaces it (logged at info). */
export function loadProfiles(opts: LoadProfilesOptions = {}): ProfileSet {
  const profiles = new Map<string, DeviceProfile>();
  for (const p of builtinProfiles()) profiles.set(p.id, p);
  const problems: ProfileProblem[] = [];
  if (opts.extraDir !== undefined) {
    const local = loadProfileDir(opts.extraDir, 'local');
    problems.push(...local.problems);
    for (const p of local.profiles) {
      const replaced = profiles.get(p.id);
      if (replaced) opts.logger?.info({ profile: p.id, file: p.file, replaces: replaced.file }, 'local device profile replaces a shipped one');
      profiles.set(p.id, p);
    }
  }
  return { profiles, problems };
}
