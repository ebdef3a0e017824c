// Whether a bundle's content can be used, checked exactly as the device layer checks local files:
// each profile through parseProfile, the entries through the registry's own schema (owner, keys,
// profile, duplicates), and every JavaScript codec loaded in the sandbox. The fleet-wide bundle and
// this gateway's bundle are checked together, as they will be used: the gateway's profiles, codecs
// and devices replace the fleet's of the same name or DevEUI. All or nothing.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { loadUserCodecFromSource } from '../codecs/sandbox/user-codec.js';
import { sharedSandboxEngine } from '../codecs/sandbox/engine.js';
import type { CodecRef } from '../codecs/codec-ref.js';
import { builtinProfiles } from '../devices/builtin-profiles.js';
import { formatProfileProblem, parseProfile, type DeviceProfile } from '../devices/profiles.js';
import { formatRegistryProblem, parseRegistryDocument, type RegistryEntry } from '../devices/registry.js';
import type { FleetDeviceSet } from '../devices/device-directory.js';
import type { OpenedBundle } from './bundle-format.js';

export interface ContentCheckOptions {
  /** Per-call limit of the codecs (config devices.codecTimeLimit). */
  codecTimeLimitMs: number;
}

export type ContentCheck =
  | { ok: true; set: FleetDeviceSet; profiles: number; codecs: number }
  | { ok: false; reasons: string[] };

function label(b: OpenedBundle): string {
  return b.scope === 'fleet' ? `fleet bundle ${b.version}` : `gateway bundle ${b.version}`;
}

/** The version text of a pair, as the directory and the log show it. */
export function pairVersion(fleet: OpenedBundle | null, gateway: OpenedBundle | null): string {
  return [fleet ? `fleet ${fleet.version}` : null, gateway ? `gateway ${gateway.version}` : null].filter(Boolean).join(' + ') || 'none';
}

/** The DevEUI a raw entry names, as the registry normalises it, or null. */
function rawEui(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const v = (raw as { devEui?: unknown }).devEui;
  return typeof v === 'string' ? v.trim().toLowerCase() : null;
}

/**
 * Checks fleet + gateway content together; never throws. Codecs are loaded into the sandbox and
 * disposed again: the directory loads them for use once the set is accepted.
 */
export async function checkBundleContent(fleet: OpenedBundle | null, gateway: OpenedBundle | null, opts: ContentCheckOptions): Promise<ContentCheck> {
  const reasons: string[] = [];
  const bundles = [fleet, gateway].filter((b): b is OpenedBundle => b !== null);

  // Codecs: by file name, the gateway's replacing the fleet's.
  const codecs = new Map<string, { ref: CodecRef; from: OpenedBundle }>();
  for (const b of bundles) {
    const seen = new Set<string>();
    for (const c of b.codecs) {
      if (seen.has(c.name)) reasons.push(`${label(b)}: codec ${c.name} is listed twice`);
      seen.add(c.name);
      const digest = createHash('sha256').update(c.source, 'utf8').digest('hex');
      codecs.set(c.name, { ref: { kind: 'source', name: c.name, source: c.source, digest }, from: b });
    }
  }
  // The engine is held across the loads: the sandbox worker stops when its last user goes, and
  // starting it again costs far more than loading a codec.
  const engine = sharedSandboxEngine();
  engine.acquire();
  try {
    for (const [name, c] of codecs) {
      try {
        const loaded = await loadUserCodecFromSource(c.ref.kind === 'source' ? c.ref.source : '', name, { timeLimitMs: opts.codecTimeLimitMs, engine });
        loaded.dispose();
      } catch (err) {
        reasons.push(`${label(c.from)}: codec ${name} does not load: ${(err as Error).message}`);
      }
    }
  } finally {
    engine.release();
  }

  // Profiles: shipped ones, then the fleet's, then the gateway's (same id: the later replaces).
  const profiles = new Map<string, DeviceProfile>();
  for (const p of builtinProfiles()) profiles.set(p.id, p);
  for (const b of bundles) {
    const ids = new Map<string, string>();
    for (const file of b.profiles) {
      const result = parseProfile(file.text, file.name, 'fleet', (codecPath) => {
        const name = path.posix.basename(codecPath.replace(/\\/g, '/'));
        const found = codecs.get(name);
        return found ? found.ref : { problem: `codec file ${codecPath} is not in the bundle (bundle codecs: ${[...codecs.keys()].join(', ') || 'none'})` };
      });
      for (const p of result.problems) reasons.push(`${label(b)}: profile ${formatProfileProblem(p)}`);
      if (!result.profile) continue;
      const earlier = ids.get(result.profile.id);
      if (earlier !== undefined) reasons.push(`${label(b)}: profile ${file.name}: id "${result.profile.id}" is already used by ${earlier}`);
      ids.set(result.profile.id, file.name);
      profiles.set(result.profile.id, result.profile);
    }
  }

  // Devices: the gateway's entry replaces the fleet's of the same DevEUI; then the registry's checks.
  const fromGateway = new Set(gateway ? gateway.devices.map(rawEui).filter((e): e is string => e !== null) : []);
  const merged: unknown[] = [];
  const origin: OpenedBundle[] = [];
  if (fleet) {
    for (const d of fleet.devices) {
      const eui = rawEui(d);
      if (eui !== null && fromGateway.has(eui)) continue;
      merged.push(d);
      origin.push(fleet);
    }
  }
  if (gateway) {
    for (const d of gateway.devices) {
      merged.push(d);
      origin.push(gateway);
    }
  }
  let entries: RegistryEntry[] = [];
  const parsed = parseRegistryDocument({ devices: merged }, profiles);
  if (parsed.ok) entries = parsed.entries;
  else {
    const max = 50;
    for (const p of parsed.problems.slice(0, max)) {
      const from = p.entry !== null ? origin[p.entry - 1] : undefined;
      reasons.push(formatRegistryProblem({ ...p, line: null }, from ? `${label(from)} devices` : 'bundle devices'));
    }
    if (parsed.problems.length > max) reasons.push(`... and ${parsed.problems.length - max} more device problems`);
  }
  if (reasons.length > 0) return { ok: false, reasons };
  return { ok: true, set: { version: pairVersion(fleet, gateway), entries }, profiles: profiles.size, codecs: codecs.size };
}
