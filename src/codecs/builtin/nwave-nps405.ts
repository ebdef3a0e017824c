// Nwave NPS405 (G4) parking sensor, fPorts 1, 2, 3, 10 and 6 (debug).
import { defineCodec, type DecodeContext } from './define-codec.js';
import { need, u32be } from './fields.js';

// Index = reset-cause byte of the startup message.
const RESET_CAUSES: ReadonlyArray<string | undefined> = [
  'rejoining_lorawan_network',
  'watchdog',
  'power_on',
  'user_request',
  undefined,
  undefined,
  'brownout',
  'other',
];

/** Expands the 7-bit compressed duration of the previous state into the four reported fields. */
function previousState(c: number, out: Record<string, unknown>): void {
  if (c < 90) {
    out.previous_state_duration = c;
    out.previous_state_duration_error = 0;
    out.previous_state_duration_overflow = false;
  } else if (c < 120) {
    out.previous_state_duration = 90 + (c - 90) * 5;
    out.previous_state_duration_error = 4;
    out.previous_state_duration_overflow = false;
  } else if (c < 127) {
    out.previous_state_duration = 240 + (c - 120) * 60;
    out.previous_state_duration_error = 59;
    out.previous_state_duration_overflow = false;
  } else {
    out.previous_state_duration = 660;
    out.previous_state_duration_error = null;
    out.previous_state_duration_overflow = true;
  }
}

function warnTrailing(b: number[], expected: number, ctx: DecodeContext): void {
  if (b.length > expected) ctx.warnings.push(`ignored ${b.length - expected} trailing byte(s) on fPort ${ctx.fPort}`);
}

function heartbeat(b: number[], ctx: DecodeContext): Record<string, unknown> {
  need(b, 3, ctx.fPort, 'heartbeat');
  const temperature = ((b[2] << 24) >> 24) / 2 + 10;
  const batteryMv = 2500 + b[1] * 4;
  // Below -5 degC the battery sags, so the thresholds drop by 100 mV.
  const critical = temperature >= -5 ? 2900 : 2800;
  const low = temperature >= -5 ? 3000 : 2900;
  return {
    type: 'heartbeat',
    occupied: (b[0] & 1) === 1,
    hw_health_status: b[0] & 0x7f,
    temperature,
    battery_voltage: batteryMv / 1000,
    battery_health: batteryMv >= low ? 'normal' : batteryMv >= critical ? 'low' : 'critical',
  };
}

function decode(b: number[], ctx: DecodeContext): Record<string, unknown> {
  switch (ctx.fPort) {
    case 1: {
      need(b, 1, 1, 'parking status');
      warnTrailing(b, 1, ctx);
      const data: Record<string, unknown> = { type: 'parking_status', occupied: (b[0] & 1) === 1 };
      previousState(b[0] >> 1, data);
      return data;
    }
    case 2:
      // Newer firmware appends fields; the documented part is the first three bytes.
      return heartbeat(b, ctx);
    case 3: {
      need(b, 5, 3, 'startup');
      warnTrailing(b, 5, ctx);
      const data: Record<string, unknown> = { type: 'startup', firmware_version: b[0] + '.' + b[1] + '.' + b[2] };
      const cause = RESET_CAUSES[b[3]];
      if (cause === undefined) ctx.warnings.push(`unknown reset cause ${b[3]}`);
      else data.reset_cause = cause;
      data.occupied = (b[4] & 1) === 1;
      return data;
    }
    case 6:
      return { type: 'debug', bytes: b.slice() };
    default: {
      // fPort 10: user (tag) registration.
      need(b, 5, 10, 'user registration');
      warnTrailing(b, 5, ctx);
      const data: Record<string, unknown> = { type: 'user_registration' };
      if ((b[0] & 1) === 1) {
        data.occupied = true;
        previousState(b[0] >> 1, data);
      } else {
        data.occupied = null;
        data.previous_state_duration = null;
        data.previous_state_duration_error = null;
        data.previous_state_duration_overflow = null;
      }
      data.tag_id = u32be(b, 1).toString(16).toUpperCase();
      return data;
    }
  }
}

export const nwaveNps405 = defineCodec({
  id: 'nwave-nps405',
  vendor: 'Nwave',
  model: 'NPS405 (G4) Smart Parking Sensor',
  category: 'parking',
  deviceClass: 'A',
  fPorts: [1, 2, 3, 6, 10],
  description: 'Surface or flush-mounted parking-bay sensor reporting occupancy with the duration of the previous state, heartbeats and tag registrations.',
  decode,
});
