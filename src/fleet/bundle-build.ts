// The hub side: a bundle built from the files field staff already write (a device registry,
// profile YAML files and the JavaScript codecs they name), then checked exactly as a gateway checks
// it (bundle-format.ts decode, bundle-validation.ts content) before anything is published.
import fs from 'node:fs';
import path from 'node:path';
import { readYaml } from '../safe-yaml.js';
import { isCodecPath } from '../codecs/codec-ref.js';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, encodeBundle, makeEnvelope, PROFILE_FILE_NAME, type BundleContent } from './bundle-format.js';
import { seal } from './sealed.js';

export interface BuildInput {
  /** The directory: `devices.yaml` and a `profiles/` directory (profile YAML + codec JS files). */
  dir: string;
  version: string;
  /** A gateway bundle for this gateway id; absent: the fleet-wide bundle. */
  gatewayId?: string;
  /** PEM Ed25519 private key of the hub. */
  signKeyPem?: string;
  /** Seal the devices (and their keys) to these gateway keys (base64 X25519). */
  encryptTo?: readonly string[];
  createdAt?: string;
}

export interface BuiltBundle {
  wire: Buffer;
  content: BundleContent;
  sha256: string;
  /** Bytes of the JSON before compression. */
  expandedBytes: number;
}

/** Throws an Error listing every problem with the files (not the content checks: those come after). */
export function buildBundle(input: BuildInput): BuiltBundle {
  const problems: string[] = [];
  const registryFile = path.join(input.dir, 'devices.yaml');
  const profilesDir = path.join(input.dir, 'profiles');
  let devices: unknown[] = [];
  if (fs.existsSync(registryFile)) {
    const read = readYaml(fs.readFileSync(registryFile, 'utf8'), { schema: 'failsafe' });
    if (!read.ok) problems.push(...read.problems.map((p) => `${registryFile}${p.line ? ` [line ${p.line}]` : ''}: ${p.message}`));
    else {
      const list = (read.value as { devices?: unknown } | null)?.devices;
      if (list === undefined || list === null || list === '') devices = [];
      else if (!Array.isArray(list)) problems.push(`${registryFile}: "devices" must be a list`);
      else devices = list;
    }
  }
  const profiles: BundleContent['profiles'] = [];
  const codecs = new Map<string, { file: string; source: string }>();
  if (fs.existsSync(profilesDir)) {
    for (const name of fs.readdirSync(profilesDir).filter((n) => /\.ya?ml$/i.test(n)).sort()) {
      const file = path.join(profilesDir, name);
      if (!PROFILE_FILE_NAME.test(name)) {
        problems.push(`${file}: a bundle profile file name may hold letters, digits, ".", "_" and "-" only`);
        continue;
      }
      const text = fs.readFileSync(file, 'utf8');
      profiles.push({ name, text });
      const read = readYaml(text, { schema: 'core' });
      const codec = read.ok ? (read.value as { codec?: unknown } | null)?.codec : undefined;
      if (typeof codec !== 'string' || !isCodecPath(codec)) continue;
      const codecFile = path.resolve(profilesDir, codec);
      const codecName = path.basename(codecFile);
      let source: string;
      try {
        source = fs.readFileSync(codecFile, 'utf8');
      } catch (err) {
        problems.push(`${file}: codec ${codec}: ${(err as Error).message}`);
        continue;
      }
      const earlier = codecs.get(codecName);
      if (earlier && earlier.file !== codecFile) problems.push(`${file}: codec ${codecFile} has the same file name as ${earlier.file}; a bundle names codecs by file name`);
      codecs.set(codecName, { file: codecFile, source });
    }
  }
  if (devices.length === 0 && profiles.length === 0) problems.push(`${input.dir}: neither devices.yaml nor profiles/*.yaml found`);
  if (problems.length > 0) throw new Error(`cannot build the bundle:\n  ${problems.join('\n  ')}`);
  const sealed = input.encryptTo !== undefined && input.encryptTo.length > 0;
  const content: BundleContent = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    version: input.version,
    scope: input.gatewayId ? 'gateway' : 'fleet',
    ...(input.gatewayId ? { gatewayId: input.gatewayId } : {}),
    createdAt: input.createdAt ?? new Date().toISOString(),
    profiles,
    codecs: [...codecs.entries()].map(([name, c]) => ({ name, source: c.source })),
    ...(sealed ? { sealedDevices: seal(devices, input.encryptTo!) } : { devices }),
  };
  const envelope = makeEnvelope(content, input.signKeyPem);
  const json = JSON.stringify(envelope);
  return { wire: encodeBundle(envelope), content, sha256: envelope.sha256, expandedBytes: Buffer.byteLength(json) };
}
