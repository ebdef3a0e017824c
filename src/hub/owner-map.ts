// Whose device sent an uplink, for the accounting. The record says it when the gateway knows the
// device (`device.owner` from the gateway's registry); otherwise the hub's own copy of a registry
// file (`--registry`) is asked, by DevEUI, then by an ABP device's DevAddr. Only devEui, owner and
// activation.devAddr are read: the hub needs no profiles and no keys.
import { readFileSync } from 'node:fs';
import { readYaml } from '../safe-yaml.js';

export interface OwnerMap {
  readonly size: number;
  ownerOf(devEui: string | null, devAddr: string | null): string | null;
}

export const EMPTY_OWNER_MAP: OwnerMap = { size: 0, ownerOf: () => null };

/** Parses registry YAML; a problem is a thrown Error naming the entry (the command shows it). */
export function parseOwnerMap(text: string, file = 'registry'): OwnerMap {
  const read = readYaml(text, { schema: 'failsafe' });
  if (!read.ok) throw new Error(`${file}: ${read.problems.map((p) => `${p.message}${p.line ? ` [line ${p.line}]` : ''}`).join('; ')}`);
  const root = read.value as { devices?: unknown } | null;
  const list = root && typeof root === 'object' ? root.devices : undefined;
  if (!Array.isArray(list)) throw new Error(`${file}: has no top-level "devices:" list`);
  const byEui = new Map<string, string>();
  const byAddr = new Map<string, string>();
  list.forEach((raw: unknown, i) => {
    const e = raw as { devEui?: unknown; owner?: unknown; activation?: { devAddr?: unknown } } | null;
    if (!e || typeof e !== 'object' || typeof e.devEui !== 'string' || typeof e.owner !== 'string' || e.owner === '') {
      throw new Error(`${file}: entry ${i + 1} needs devEui and owner`);
    }
    byEui.set(e.devEui.trim().toLowerCase(), e.owner);
    const addr = e.activation && typeof e.activation === 'object' ? e.activation.devAddr : undefined;
    if (typeof addr === 'string') byAddr.set(addr.trim().toLowerCase(), e.owner);
  });
  return {
    size: byEui.size,
    ownerOf: (devEui, devAddr) => (devEui ? byEui.get(devEui) : undefined) ?? (devAddr ? byAddr.get(devAddr) : undefined) ?? null,
  };
}

export function readOwnerMap(file: string): OwnerMap {
  return parseOwnerMap(readFileSync(file, 'utf8'), file);
}
