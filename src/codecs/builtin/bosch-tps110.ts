// Bosch Parking Lot Sensor TPS110, fPorts 1..6.
import { defineCodec, type DecodeContext } from './define-codec.js';
import { i8, need, u16le, u32le } from './fields.js';

// Index = reset-cause byte of the startup message; undefined entries are not defined by Bosch.
const RESET_CAUSES: ReadonlyArray<string | undefined> = [undefined, 'watchdog', 'power on', 'system request', 'other'];

function startup(b: number[], ctx: DecodeContext): Record<string, unknown> {
  need(b, 17, ctx.fPort, 'startup message');
  const debugCodes: number[] = [];
  for (let i = 0; i <= 8; i += 4) {
    const code = ((b[i + 1] & 0x0f) << 8) | b[i];
    if (code !== 0) debugCodes.push(code);
  }
  const data: Record<string, unknown> = {
    type: 'startup',
    debugCodes,
    firmwareVersion: b[12] + '.' + b[13] + '.' + b[14],
  };
  const cause = RESET_CAUSES[b[15]];
  if (cause === undefined) ctx.warnings.push(`unknown reset cause ${b[15]}`);
  else data.resetCause = cause;
  data.occupied = (b[16] & 1) === 1;
  return data;
}

function decode(b: number[], ctx: DecodeContext): Record<string, unknown> {
  switch (ctx.fPort) {
    case 1:
      need(b, 1, 1, 'parking status');
      return { type: 'parking status', occupied: (b[0] & 1) === 1 };
    case 2: {
      need(b, 1, 2, 'heartbeat');
      const data: Record<string, unknown> = { type: 'heartbeat', occupied: (b[0] & 1) === 1 };
      if (b.length >= 2) data.temperature = i8(b, 1);
      return data;
    }
    case 3:
      return startup(b, ctx);
    case 4:
      return { type: 'device information', bytes: b.slice() };
    case 5:
      return { type: 'device usage', bytes: b.slice() };
    default:
      // fPort 6, the only other registered port: debug message.
      need(b, 10, 6, 'debug message');
      return {
        type: 'debug',
        timestamp: u32le(b, 0),
        debugCode: ((b[5] & 0x0f) << 8) | b[4],
        sequenceNumber: u16le(b, 8),
      };
  }
}

export const boschTps110 = defineCodec({
  id: 'bosch-tps110',
  vendor: 'Bosch',
  model: 'Parking Lot Sensor TPS110',
  category: 'parking',
  deviceClass: 'A',
  fPorts: [1, 2, 3, 4, 5, 6],
  description: 'In-ground magnetic and radar parking-space sensor reporting occupancy, heartbeats with temperature and startup details.',
  decode,
});
