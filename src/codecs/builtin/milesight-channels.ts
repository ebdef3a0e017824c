// Milesight's channel scheme: repeated `channel_id, channel_type, value` with little-endian values.
// Each device lists its channels as a table; one loop decodes them all. Newer firmware adds
// channels: an unknown channel whose value size follows from its type is stepped over with a
// warning; at one whose size cannot be known, or one the frame cuts short, decoding stops with a
// warning and the channels before it are kept (stopWalk in fields.ts).
import type { DecodeContext, UplinkDecoder } from './define-codec.js';
import { HEX_LOWER, stopWalk } from './fields.js';

/** Writes the decoded value(s) of one channel into `out`; `i` is the offset of the value. */
export type ChannelWriter = (b: number[], i: number, out: Record<string, unknown>) => void;

export interface ChannelSpec {
  id: number;
  type: number;
  /** Value size in bytes. */
  size: number;
  write: ChannelWriter;
}

export function channel(id: number, type: number, size: number, write: ChannelWriter): ChannelSpec {
  return { id, type, size, write };
}

/**
 * Device attribute channels (`ff xx`: versions, serial number, class, reset/power-on events).
 * The reference decoders stop at them; we step over them with a warning so the readings
 * that follow are still decoded.
 */
const ATTRIBUTE_CHANNELS: ReadonlyArray<{ type: number; size: number; label: string }> = [
  { type: 0x01, size: 1, label: 'protocol version' },
  { type: 0x09, size: 2, label: 'hardware version' },
  { type: 0x0a, size: 2, label: 'firmware version' },
  { type: 0x0b, size: 1, label: 'power-on event' },
  { type: 0x0f, size: 1, label: 'LoRaWAN class' },
  { type: 0x16, size: 8, label: 'serial number' },
  { type: 0xfe, size: 1, label: 'reset event' },
  { type: 0xff, size: 2, label: 'TSL version' },
];

/**
 * Value sizes that Milesight's documents give per channel type, the same on every device that
 * uses the type: what lets a channel this codec does not know be stepped over. Types whose size
 * differs between devices (0xce history records, for example) are deliberately absent.
 */
const TYPE_SIZES: ReadonlyMap<number, number> = new Map([
  [0x00, 1], // digital input / PIR state
  [0x01, 1], // digital output
  [0x31, 2], // switch change mask + state
  [0x65, 6], // illuminance, visible and infrared (3 x uint16)
  [0x67, 2], // temperature
  [0x68, 1], // humidity
  [0x6a, 2], // activity (PIR) count, sent by newer AM300-family firmware
  [0x73, 2], // barometric pressure
  [0x74, 2], // voltage
  [0x75, 1], // battery
  [0x7d, 2], // concentration (CO2, TVOC, PM, ...)
  [0x80, 4], // active power
  [0x81, 1], // power factor
  [0x83, 4], // energy
  [0xc9, 2], // current
  [0xcb, 1], // light level
]);

function key(id: number, type: number): number {
  return (id << 8) | type;
}

function name(id: number, type: number): string {
  return `${HEX_LOWER[id]} ${HEX_LOWER[type]}`;
}

export function channelDecoder(specs: ChannelSpec[]): UplinkDecoder {
  const table = new Map<number, ChannelSpec>();
  for (const s of specs) table.set(key(s.id, s.type), s);
  const attributes = new Map<number, { size: number; label: string }>();
  for (const a of ATTRIBUTE_CHANNELS) attributes.set(key(0xff, a.type), a);

  return (b: number[], ctx: DecodeContext): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const len = b.length;
    let decoded = 0;
    let i = 0;
    const cutShort = (what: string, need: number): Record<string, unknown> => {
      stopWalk(ctx, decoded, `frame ends inside ${what} at offset ${i} (needs ${need} bytes, ${len - i} left); it was not decoded`);
      return out;
    };
    while (i < len) {
      if (i + 2 > len) return cutShort('a channel header', 2);
      const id = b[i];
      const type = b[i + 1];
      const k = key(id, type);
      const spec = table.get(k);
      if (spec !== undefined) {
        if (i + 2 + spec.size > len) return cutShort(`channel ${name(id, type)}`, 2 + spec.size);
        spec.write(b, i + 2, out);
        decoded += 1;
        i += 2 + spec.size;
        continue;
      }
      const attr = attributes.get(k);
      if (attr !== undefined) {
        if (i + 2 + attr.size > len) return cutShort(`channel ${name(id, type)}`, 2 + attr.size);
        ctx.warnings.push(`skipped attribute channel ff ${HEX_LOWER[type]} (${attr.label})`);
        decoded += 1;
        i += 2 + attr.size;
        continue;
      }
      const size = TYPE_SIZES.get(type);
      if (size === undefined) {
        stopWalk(
          ctx,
          decoded,
          `unknown channel ${name(id, type)} at offset ${i} on fPort ${ctx.fPort}: its length is unknown, so the last ${len - i} bytes were not decoded`,
        );
        return out;
      }
      if (i + 2 + size > len) return cutShort(`unknown channel ${name(id, type)}`, 2 + size);
      ctx.warnings.push(`skipped unknown channel ${name(id, type)} at offset ${i} (${size}-byte value, newer firmware?)`);
      decoded += 1;
      i += 2 + size;
    }
    return out;
  };
}
