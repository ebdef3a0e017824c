// DevAddr allocation for devices joining at the edge: addresses come from the configured inclusive
// range, handed out round-robin from a persisted cursor so a rejoining device gets a fresh address
// and an address is never given while another session (or an ABP device) holds it.
import { EdgeConfigError } from './errors.js';

export interface DevAddrRange {
  from: number;
  to: number;
}

export function parseDevAddrRange(fromHex: string, toHex: string): DevAddrRange {
  const hex = /^[0-9a-fA-F]{8}$/;
  if (!hex.test(fromHex) || !hex.test(toHex)) throw new EdgeConfigError(`DevAddr range ${fromHex}..${toHex} must be 8 hex digits each`);
  const from = parseInt(fromHex, 16) >>> 0;
  const to = parseInt(toHex, 16) >>> 0;
  if (from > to) throw new EdgeConfigError(`edge.devAddrFrom ${fromHex} is above edge.devAddrTo ${toHex}`);
  return { from, to };
}

export function rangeSize(range: DevAddrRange): number {
  return range.to - range.from + 1;
}

/**
 * The first free address at or after `cursor` (wrapping inside the range), and the cursor to use
 * next time. `maxTaken` bounds how many addresses can be taken (so at most maxTaken + 1 probes
 * find a free one when one exists). undefined when every address is taken.
 */
export function allocateDevAddr(
  range: DevAddrRange,
  cursor: number,
  isTaken: (devAddr: number) => boolean,
  maxTaken: number = rangeSize(range),
): { devAddr: number; next: number } | undefined {
  const size = rangeSize(range);
  const start = cursor >= range.from && cursor <= range.to ? cursor - range.from : 0;
  const probes = Math.min(size, Math.max(0, maxTaken) + 1);
  for (let i = 0; i < probes; i++) {
    const offset = (start + i) % size;
    const devAddr = (range.from + offset) >>> 0;
    if (!isTaken(devAddr)) return { devAddr, next: (range.from + ((offset + 1) % size)) >>> 0 };
  }
  return undefined;
}
