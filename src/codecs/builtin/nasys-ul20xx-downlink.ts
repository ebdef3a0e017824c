// NAS UL20xx manual dimming command (fPort 60, header 0x01, then `address, level` pairs). The input
// mirrors what the decoder reports for the device's echo of the command, so a hub can send back the
// shape it receives: { destination: [{ address, dimming_level__percent }] }. A single target may be
// given flat: { address?, dimming_level__percent } (address defaults to all_devices).
import type { DownlinkInput, EncodeResult } from '../contract.js';

export const MANUAL_DIMMING_FPORT = 60;
const MANUAL_DIMMING_HEADER = 0x01;
/** Level byte meaning "leave manual mode and resume the schedule". */
const RESUME = 0xff;

/** Address names as the decoder spells them, back to the address byte. */
export function nasAddressByte(name: unknown): number | string {
  if (typeof name !== 'string') return 'address must be a name such as "all_devices", "dali_broadcast", "dali_single_3"';
  if (name === 'all_devices') return 0xff;
  if (name === 'dali_broadcast') return 0xfe;
  if (name === 'analog_0_10v') return 0x01;
  const single = /^dali_single_(\d{1,2})$/.exec(name);
  if (single) {
    const n = Number(single[1]);
    return n <= 63 ? n << 1 : `address ${name}: DALI short addresses are 0..63`;
  }
  const group = /^dali_group_(\d{1,2})$/.exec(name);
  if (group) {
    const n = Number(group[1]);
    return n <= 15 ? 0x80 | (n << 1) : `address ${name}: DALI groups are 0..15`;
  }
  return `unknown address "${name}" (all_devices, dali_broadcast, analog_0_10v, dali_single_<0..63>, dali_group_<0..15>)`;
}

function levelByte(level: unknown): number | string {
  if (level === 'resume') return RESUME;
  if (typeof level === 'number' && Number.isInteger(level) && level >= 0 && level <= 100) return level;
  return `bad level ${JSON.stringify(level) ?? String(level)}: dimming_level__percent must be an integer 0..100 or "resume"`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function encodeNasDownlink(input: DownlinkInput): EncodeResult {
  const d = input.data;
  if (!isPlainObject(d)) return { errors: ['data must be an object'], warnings: [] };
  if (d.packet_type !== undefined && d.packet_type !== 'manual_dimming') {
    return { errors: [`packet_type "${String(d.packet_type)}" cannot be encoded (only manual_dimming)`], warnings: [] };
  }
  let targets: unknown[];
  if (d.destination !== undefined) {
    if (!Array.isArray(d.destination) || d.destination.length === 0) {
      return { errors: ['destination must be a non-empty list of { address, dimming_level__percent }'], warnings: [] };
    }
    targets = d.destination;
  } else if (d.dimming_level__percent !== undefined) {
    targets = [{ address: d.address ?? 'all_devices', dimming_level__percent: d.dimming_level__percent }];
  } else {
    return { errors: ['give dimming_level__percent (0..100 or "resume") or a destination list'], warnings: [] };
  }
  const bytes = [MANUAL_DIMMING_HEADER];
  const errors: string[] = [];
  targets.forEach((t, i) => {
    if (!isPlainObject(t)) {
      errors.push(`destination[${i}] must be an object { address, dimming_level__percent }`);
      return;
    }
    const address = nasAddressByte(t.address);
    const level = levelByte(t.dimming_level__percent);
    if (typeof address === 'string') errors.push(targets.length > 1 ? `destination[${i}]: ${address}` : address);
    if (typeof level === 'string') errors.push(targets.length > 1 ? `destination[${i}]: ${level}` : level);
    if (typeof address === 'number' && typeof level === 'number') bytes.push(address, level);
  });
  if (errors.length > 0) return { errors, warnings: [] };
  return { fPort: MANUAL_DIMMING_FPORT, bytes, warnings: [], errors: [] };
}
