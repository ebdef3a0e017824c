// Milesight's channel scheme: repeated `channel_id, channel_type, value` with little-endian values.
// Each device lists its channels as a table; one loop decodes them all.
import type { DecodeContext, UplinkDecoder } from './define-codec.js';
import { HEX_LOWER, PayloadError, tooShort } from './fields.js';

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

function key(id: number, type: number): number {
  return (id << 8) | type;
}

export function channelDecoder(specs: ChannelSpec[]): UplinkDecoder {
  const table = new Map<number, ChannelSpec>();
  for (const s of specs) table.set(key(s.id, s.type), s);
  const attributes = new Map<number, { size: number; label: string }>();
  for (const a of ATTRIBUTE_CHANNELS) attributes.set(key(0xff, a.type), a);

  return (b: number[], ctx: DecodeContext): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const len = b.length;
    let i = 0;
    while (i < len) {
      if (i + 2 > len) throw tooShort(ctx.fPort, i + 2, len, `channel header at offset ${i}`);
      const id = b[i];
      const type = b[i + 1];
      const k = key(id, type);
      const spec = table.get(k);
      if (spec !== undefined) {
        const end = i + 2 + spec.size;
        if (end > len) throw tooShort(ctx.fPort, end, len, `channel ${HEX_LOWER[id]} ${HEX_LOWER[type]} at offset ${i}`);
        spec.write(b, i + 2, out);
        i = end;
        continue;
      }
      const attr = attributes.get(k);
      if (attr !== undefined) {
        const end = i + 2 + attr.size;
        if (end > len) throw tooShort(ctx.fPort, end, len, `channel ${HEX_LOWER[id]} ${HEX_LOWER[type]} at offset ${i}`);
        ctx.warnings.push(`skipped attribute channel ff ${HEX_LOWER[type]} (${attr.label})`);
        i = end;
        continue;
      }
      throw new PayloadError(`unknown channel ${HEX_LOWER[id]} ${HEX_LOWER[type]} at offset ${i} on fPort ${ctx.fPort}`);
    }
    return out;
  };
}
