// Tekzitel TEKZIPARK parking sensor, fPorts 1 (status) and 2 (debug).
import { defineCodec, type DecodeContext } from './define-codec.js';
import { i8, need, u16be } from './fields.js';

/** The flag byte and the two bytes after it, common to both ports; flags are 0/1 integers. */
function header(b: number[]): Record<string, unknown> {
  const f = b[0];
  return {
    occupied: (f >> 7) & 1,
    keepAlive: f & 1,
    reset: (f >> 1) & 1,
    No_Beacon: (f >> 2) & 1,
    Radar: (f >> 3) & 1,
    Obstruction: (f >> 4) & 1,
    Good_Battery: (f >> 5) & 1,
    Temperature: i8(b, 1),
    Parking_ID: b[2],
  };
}

function status(b: number[], ctx: DecodeContext): Record<string, unknown> {
  need(b, 3, 1, 'status');
  const data = header(b);
  if (b.length > 3) {
    data.Beacon_RSSI = i8(b, 3);
    const beacons: number[] = [];
    let i = 4;
    for (; i + 1 < b.length; i += 2) beacons.push(u16be(b, i));
    if (i < b.length) ctx.warnings.push('ignored odd trailing byte after the beacon list');
    data.Beacons = beacons;
  }
  return data;
}

function debug(b: number[]): Record<string, unknown> {
  need(b, 12, 2, 'debug');
  const data = header(b);
  data.Deflection_X = i8(b, 3);
  data.Deflection_Y = i8(b, 4);
  data.Deflection_Z = i8(b, 5);
  data.Baseline_X = i8(b, 6);
  data.Baseline_Y = i8(b, 7);
  data.Baseline_Z = i8(b, 8);
  data.Fault_Code = b[9];
  // The debug frame's own obstruction byte replaces the flag bit, as in the reference decoder.
  data.Obstruction = b[10];
  data.D_Reflection = b[11];
  return data;
}

export const tekzitelTekzipark = defineCodec({
  id: 'tekzitel-tekzipark',
  vendor: 'Tekzitel',
  model: 'TEKZIPARK',
  category: 'parking',
  deviceClass: 'A',
  fPorts: [1, 2],
  description: 'Magnetometer and radar parking sensor that also reports nearby BLE beacons for driver identification.',
  decode: (b, ctx) => (ctx.fPort === 1 ? status(b, ctx) : debug(b)),
});
