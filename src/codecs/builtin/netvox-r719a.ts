// Netvox R719A parking sensor, fPorts 6 (reports) and 7 (configuration responses).
import type { DownlinkInput, EncodeResult } from '../contract.js';
import { defineCodec, type DecodeContext } from './define-codec.js';
import { HEX_LOWER, PayloadError, hexByte, need, u16be } from './fields.js';

const DEVICE_TYPES: ReadonlyMap<number, string> = new Map([
  [0x59, 'R719A'],
  [0xaf, 'R719B'],
]);

function addDevice(b: number[], data: Record<string, unknown>, ctx: DecodeContext): void {
  const name = DEVICE_TYPES.get(b[1]);
  if (name === undefined) ctx.warnings.push(`unknown Netvox device type ${hexByte(b[1])}`);
  else data.Device = name;
}

function report(b: number[], ctx: DecodeContext): Record<string, unknown> {
  need(b, 3, 6, 'report header');
  const data: Record<string, unknown> = {};
  addDevice(b, data, ctx);
  if (b[2] === 0x00) {
    need(b, 9, 6, 'startup report');
    data.SWver = b[3] / 10;
    data.HWver = b[4];
    data.Datecode = HEX_LOWER[b[5]] + HEX_LOWER[b[6]] + HEX_LOWER[b[7]] + HEX_LOWER[b[8]];
    return data;
  }
  need(b, 5, 6, 'status report');
  const volts = (b[3] & 0x7f) / 10;
  // Bit 7 of the voltage byte flags a low battery; the reference decoder then reports a string.
  data.Volt = (b[3] & 0x80) !== 0 ? String(volts) + '(low battery)' : volts;
  data.CarOnOff = b[4];
  return data;
}

function configResponse(b: number[], ctx: DecodeContext): Record<string, unknown> {
  need(b, 2, 7, 'command header');
  const data: Record<string, unknown> = {};
  addDevice(b, data, ctx);
  if (b[0] === 0x81) {
    need(b, 3, 7, 'ConfigReportRsp');
    data.Cmd = 'ConfigReportRsp';
    data.Status = b[2] === 0 ? 'Success' : 'Failure';
    return data;
  }
  if (b[0] === 0x82) {
    need(b, 7, 7, 'ReadConfigReportRsp');
    data.Cmd = 'ReadConfigReportRsp';
    data.MinTime = u16be(b, 2);
    data.MaxTime = u16be(b, 4);
    data.BatteryChange = b[6] / 10;
    return data;
  }
  throw new PayloadError(`unknown fPort 7 command ${hexByte(b[0])}`);
}

function isUint16(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff;
}

/** ConfigReportReq / ReadConfigReportReq downlinks, always 11 bytes on fPort 7. */
function encodeDownlink(input: DownlinkInput): EncodeResult {
  const d = input.data ?? {};
  let deviceType = 0;
  for (const [code, name] of DEVICE_TYPES) if (name === d.Device) deviceType = code;
  if (deviceType === 0) return { errors: ['Device must be "R719A" or "R719B"'], warnings: [] };
  if (d.Cmd === 'ReadConfigReportReq') {
    return { fPort: 7, bytes: [0x02, deviceType, 0, 0, 0, 0, 0, 0, 0, 0, 0], warnings: [], errors: [] };
  }
  if (d.Cmd !== 'ConfigReportReq') return { errors: ['Cmd must be "ConfigReportReq" or "ReadConfigReportReq"'], warnings: [] };
  if (!isUint16(d.MinTime) || !isUint16(d.MaxTime)) {
    return { errors: ['MinTime and MaxTime must be integers 0..65535 (seconds)'], warnings: [] };
  }
  const change = typeof d.BatteryChange === 'number' ? Math.round(d.BatteryChange * 10) : NaN;
  if (!(change >= 0 && change <= 255)) return { errors: ['BatteryChange must be a number 0..25.5 (volts)'], warnings: [] };
  const min = d.MinTime;
  const max = d.MaxTime;
  return {
    fPort: 7,
    bytes: [0x01, deviceType, min >> 8, min & 0xff, max >> 8, max & 0xff, change, 0, 0, 0, 0],
    warnings: [],
    errors: [],
  };
}

export const netvoxR719a = defineCodec({
  id: 'netvox-r719a',
  vendor: 'Netvox',
  model: 'R719A',
  category: 'parking',
  deviceClass: 'A',
  fPorts: [6, 7],
  description: 'Battery-powered parking detector reporting vehicle presence and battery voltage, configurable over fPort 7.',
  decode: (b, ctx) => (ctx.fPort === 6 ? report(b, ctx) : configResponse(b, ctx)),
  encodeDownlink,
});
