// Decentlab generic protocol v2 (shared by every Decentlab sensor) and its downlink commands.
// Uplink: version byte 2, device id (u16 BE), flags (u16 BE), then for each set flag bit i
// (LSB first) the i-th sensor group's big-endian 16-bit words.
import type { DownlinkInput, EncodeResult } from '../contract.js';
import type { DecodeContext, UplinkDecoder } from './define-codec.js';
import { PayloadError, tooShort, u16be } from './fields.js';

export interface DecentlabValue {
  name: string;
  displayName: string;
  unit?: string;
  convert: (x: number[]) => number;
}

export interface DecentlabGroup {
  /** Number of 16-bit words the group occupies. */
  words: number;
  values: DecentlabValue[];
}

export const DECENTLAB_PROTOCOL_VERSION = 2;

// Unit strings exactly as Decentlab's decoders spell them.
export const UNIT = {
  celsius: '°C',
  percent: '%',
  pascal: 'Pa',
  volt: 'V',
  ppm: 'ppm',
  nanometre: 'nm',
  massConcentration: 'µg⋅m⁻³',
  numberConcentration: '1⋅cm⁻³',
} as const;

/** Air temperature/humidity words as converted for the SHT21-style sensor. */
export const AIR_TEMPERATURE_HUMIDITY: DecentlabGroup = {
  words: 2,
  values: [
    { name: 'air_temperature', displayName: 'Air temperature', unit: UNIT.celsius, convert: (x) => (175.72 * x[0]) / 65536 - 46.85 },
    { name: 'air_humidity', displayName: 'Air humidity', unit: UNIT.percent, convert: (x) => (125 * x[1]) / 65536 - 6 },
  ],
};

export function batteryGroup(): DecentlabGroup {
  return { words: 1, values: [{ name: 'battery_voltage', displayName: 'Battery voltage', unit: UNIT.volt, convert: (x) => x[0] / 1000 }] };
}

export function decentlabDecoder(groups: DecentlabGroup[]): UplinkDecoder {
  const knownMask = (1 << groups.length) - 1;
  const maxWords = groups.reduce((m, g) => Math.max(m, g.words), 0);
  return (b: number[], ctx: DecodeContext): Record<string, unknown> => {
    if (b.length < 1) throw tooShort(ctx.fPort, 5, 0, 'protocol header');
    if (b[0] !== DECENTLAB_PROTOCOL_VERSION) {
      throw new PayloadError(`protocol version ${b[0]} doesn't match v2`);
    }
    if (b.length < 5) throw tooShort(ctx.fPort, 5, b.length, 'protocol header');
    let flags = u16be(b, 3);
    const out: Record<string, unknown> = { protocol_version: b[0], device_id: u16be(b, 1) };
    if ((flags & ~knownMask) !== 0) {
      ctx.warnings.push(`ignored flag bits 0x${(flags & ~knownMask).toString(16)} for sensor groups this codec does not know`);
    }
    const x: number[] = new Array<number>(maxWords);
    let pos = 5;
    for (let g = 0; g < groups.length; g++, flags >>= 1) {
      if ((flags & 1) === 0) continue;
      const group = groups[g];
      const end = pos + group.words * 2;
      if (end > b.length) throw tooShort(ctx.fPort, end, b.length, `sensor group ${g}`);
      for (let w = 0; w < group.words; w++, pos += 2) x[w] = u16be(b, pos);
      for (const v of group.values) {
        out[v.name] =
          v.unit === undefined
            ? { displayName: v.displayName, value: v.convert(x) }
            : { displayName: v.displayName, unit: v.unit, value: v.convert(x) };
      }
    }
    if (pos < b.length) ctx.warnings.push(`ignored ${b.length - pos} trailing byte(s) after the flagged sensor groups`);
    return out;
  };
}

/** CRC-16/MODBUS: init 0xFFFF, reflected polynomial 0xA001, no final XOR. */
export function crc16Modbus(bytes: ArrayLike<number>): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i] & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

interface DownlinkCommand {
  id: number;
  takesParameter: boolean;
}

// The generic commands every Decentlab device accepts (subset of the vendor's list).
const COMMANDS: ReadonlyMap<string, DownlinkCommand> = new Map([
  ['set period', { id: 0x0001, takesParameter: true }],
  ['set period + save', { id: 0x0002, takesParameter: true }],
  ['set dr', { id: 0x0003, takesParameter: true }],
  ['set dr + save', { id: 0x0004, takesParameter: true }],
  ['set adr on', { id: 0x0005, takesParameter: false }],
  ['set adr on + save', { id: 0x0006, takesParameter: false }],
  ['set adr off', { id: 0x0007, takesParameter: false }],
  ['set adr off + save', { id: 0x0008, takesParameter: false }],
  ['reset', { id: 0xfefe, takesParameter: false }],
  ['factory reset', { id: 0xfef0, takesParameter: false }],
]);

/** `{command: 'set period', parameter: 600}` -> 6 bytes on fPort 1: id, parameter, CRC (all big-endian). */
export function encodeDecentlabDownlink(input: DownlinkInput): EncodeResult {
  const d = input.data ?? {};
  const name = d.command;
  const cmd = typeof name === 'string' ? COMMANDS.get(name) : undefined;
  if (cmd === undefined) {
    return { errors: [`command must be one of: ${[...COMMANDS.keys()].join(', ')}`], warnings: [] };
  }
  let param = 0;
  if (cmd.takesParameter) {
    const p = d.parameter;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 0xffff) {
      return { errors: [`command "${String(name)}" needs an integer parameter 0..65535`], warnings: [] };
    }
    param = p;
  }
  const body = [cmd.id >> 8, cmd.id & 0xff, param >> 8, param & 0xff];
  const crc = crc16Modbus(body);
  return { fPort: 1, bytes: [...body, crc >> 8, crc & 0xff], warnings: [], errors: [] };
}
