// The MAC subset edge mode speaks (LoRaWAN 1.0.x section 5): it reads the uplink MAC commands a
// device may send, answers LinkCheckReq and records DevStatusAns. ADR and channel management stay
// off at the edge, so the answers to those requests are only recognised, never acted on.

/** Uplink CIDs and their payload lengths (a command of unknown CID ends the parse: its length is unknown). */
const UPLINK_COMMANDS: ReadonlyMap<number, { name: string; length: number }> = new Map([
  [0x02, { name: 'LinkCheckReq', length: 0 }],
  [0x03, { name: 'LinkADRAns', length: 1 }],
  [0x04, { name: 'DutyCycleAns', length: 0 }],
  [0x05, { name: 'RXParamSetupAns', length: 1 }],
  [0x06, { name: 'DevStatusAns', length: 2 }],
  [0x07, { name: 'NewChannelAns', length: 1 }],
  [0x08, { name: 'RXTimingSetupAns', length: 0 }],
  [0x09, { name: 'TxParamSetupAns', length: 0 }],
  [0x0a, { name: 'DlChannelAns', length: 1 }],
  [0x0d, { name: 'DeviceTimeReq', length: 0 }],
]);

export const LINK_CHECK_ANS_CID = 0x02;

export interface UplinkMacCommand {
  cid: number;
  name: string;
  payload: Buffer;
}

export interface MacParse {
  commands: UplinkMacCommand[];
  /** Why parsing stopped early (unknown CID, truncated command); the commands before it are kept. */
  problem?: string;
}

export function parseUplinkMacCommands(bytes: Uint8Array): MacParse {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const commands: UplinkMacCommand[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const cid = buf[pos];
    const spec = UPLINK_COMMANDS.get(cid);
    if (spec === undefined) return { commands, problem: `unknown uplink MAC command 0x${cid.toString(16).padStart(2, '0')}` };
    if (pos + 1 + spec.length > buf.length) return { commands, problem: `${spec.name} is truncated` };
    commands.push({ cid, name: spec.name, payload: Buffer.from(buf.subarray(pos + 1, pos + 1 + spec.length)) });
    pos += 1 + spec.length;
  }
  return { commands };
}

/** SNR (dB) below which a LoRa demodulator loses the frame, per spreading factor (SX127x datasheet). */
const DEMODULATION_FLOOR_DB: Readonly<Record<number, number>> = { 7: -7.5, 8: -10, 9: -12.5, 10: -15, 11: -17.5, 12: -20 };

/** LinkCheckAns margin: dB above the demodulation floor of the uplink's SF, 0..254. */
export function linkMargin(snr: number, spreadingFactor: number): number {
  const floor = DEMODULATION_FLOOR_DB[spreadingFactor];
  if (floor === undefined || !Number.isFinite(snr)) return 0;
  return Math.max(0, Math.min(254, Math.floor(snr - floor)));
}

/** LinkCheckAns: CID 0x02, Margin, GwCnt. */
export function linkCheckAns(margin: number, gatewayCount: number): Buffer {
  return Buffer.from([LINK_CHECK_ANS_CID, margin & 0xff, gatewayCount & 0xff]);
}

export interface DevStatus {
  /** 0 = external power, 1..254 = level (254 full), 255 = could not measure. */
  battery: number;
  /** Demodulation margin of the last DevStatusReq the device received, dB (-32..31). */
  margin: number;
}

export function parseDevStatusAns(payload: Uint8Array): DevStatus {
  const raw = payload[1] & 0x3f;
  return { battery: payload[0], margin: raw >= 32 ? raw - 64 : raw };
}

/** Battery as words: external, unknown, or percent of full. */
export function describeBattery(battery: number): string {
  if (battery === 0) return 'external power';
  if (battery === 255) return 'unknown';
  return `${Math.round((battery / 254) * 100)} %`;
}
