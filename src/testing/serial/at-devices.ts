// Behaviour of the three AT modems as seen over their serial link, without any I/O: a command line
// in, reply lines out; a received packet in, the lines the modem would print out. Replies follow
// the vendors' command manuals for the commands the drivers use. Transmissions are recorded with
// the radio settings in force, and end at once (no airtime is simulated).
import type { SerialDriverName } from '../../radio/serial/driver-registry.js';

export interface AtPacket {
  payload: Buffer;
  rssi: number;
  snr: number;
}

/** One frame a modem model put on air, with the settings it used. */
export interface AtTransmission {
  payload: Buffer;
  frequency: number;
  spreadingFactor: number;
  /** Hz. */
  bandwidth: number;
  codeRate: string;
  power: number;
  preamble: number;
  invertIq: boolean;
}

export interface AtDeviceModel {
  /** Whether a packet on air would be reported now. */
  readonly listening: boolean;
  /** Every frame transmitted, in order (models that cannot transmit leave it out). */
  readonly transmitted?: AtTransmission[];
  /** Fault injection: the transmission fails (modem error reply, or RN2483 radio_err after ok). */
  refuseTransmit?: boolean;
  /** Reply lines (without terminators) to one command line. */
  handleCommand(line: string): string[];
  /** Lines reporting one received packet (a single-shot receive also stops listening). */
  packetLines(packet: AtPacket): string[];
  /** Ends reception the way the modem does on its own (RUI3 timeout, RN2483 radio_err), if it can. */
  interrupt?(): string[];
  /** Power cycle: all settings gone. */
  powerCycle(): void;
}

const hex = (payload: Buffer): string => payload.toString('hex').toUpperCase();
const intIn = (text: string | undefined, min: number, max: number): number | undefined => {
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
};

export class LoraE5Device implements AtDeviceModel {
  readonly transmitted: AtTransmission[] = [];
  refuseTransmit = false;
  private mode = 'LWOTAA';
  private receiving = false;
  private rf = { frequency: 868_100_000, spreadingFactor: 12, bandwidth: 125_000, txPreamble: 8, power: 14, invertIq: false };

  get listening(): boolean {
    return this.receiving;
  }

  handleCommand(raw: string): string[] {
    const line = raw.trim();
    const upper = line.toUpperCase();
    if (upper === 'AT') return ['+AT: OK'];
    if (upper.startsWith('AT+MODE=')) {
      const mode = upper.slice('AT+MODE='.length);
      if (!['TEST', 'LWOTAA', 'LWABP'].includes(mode)) return ['+MODE: ERROR(-1)'];
      this.mode = mode;
      this.receiving = false;
      return [`+MODE: ${mode}`];
    }
    if (upper.startsWith('AT+TEST=')) {
      if (this.mode !== 'TEST') return ['+TEST: ERROR(-12)'];
      const args = line.slice('AT+TEST='.length).split(',').map((arg) => arg.trim());
      const sub = args[0]?.toUpperCase();
      if (sub === 'RFCFG') return this.rfcfg(args.slice(1));
      if (sub === 'RXLRPKT') {
        this.receiving = true;
        return ['+TEST: RXLRPKT'];
      }
      if (sub === 'STOP') {
        this.receiving = false;
        return ['+TEST: STOP'];
      }
      if (sub === 'TXLRPKT') return this.transmit(line.slice('AT+TEST=TXLRPKT,'.length).trim());
      return ['+TEST: ERROR(-1)'];
    }
    if (upper.startsWith('AT')) return ['+AT: ERROR(-10)'];
    return [];
  }

  packetLines(packet: AtPacket): string[] {
    return [`+TEST: LEN:${packet.payload.length}, RSSI:${packet.rssi}, SNR:${packet.snr}`, `+TEST: RX "${hex(packet.payload)}"`];
  }

  powerCycle(): void {
    this.mode = 'LWOTAA';
    this.receiving = false;
  }

  /** `"HEX"`: sends with the RFCFG settings; reception stops, as after any transmission. */
  private transmit(quoted: string): string[] {
    const hexText = /^"([0-9A-Fa-f]*)"$/.exec(quoted)?.[1];
    if (hexText === undefined || hexText.length === 0 || hexText.length % 2 !== 0 || this.refuseTransmit) return ['+TEST: ERROR(-1)'];
    this.receiving = false;
    const { frequency, spreadingFactor, bandwidth, txPreamble, power, invertIq } = this.rf;
    this.transmitted.push({ payload: Buffer.from(hexText, 'hex'), frequency, spreadingFactor, bandwidth, codeRate: '4/5', power, preamble: txPreamble, invertIq });
    return [`+TEST: TXLRPKT "${hexText.toUpperCase()}"`, '+TEST: TX DONE'];
  }

  private rfcfg(args: string[]): string[] {
    if (args.length !== 9) return ['+TEST: ERROR(-1)'];
    const [mhz, sfText, bwText, txpr, rxpr, pow, crc, iq, net] = args;
    const hz = Math.round(Number(mhz) * 1_000_000);
    const sf = intIn(sfText.toUpperCase().replace(/^SF/, ''), 7, 12);
    const bw = intIn(bwText, 125, 500);
    const onOff = (value: string): boolean => /^(ON|OFF)$/i.test(value);
    if (!Number.isFinite(hz) || hz < 150_000_000 || hz > 960_000_000 || sf === undefined || ![125, 250, 500].includes(bw ?? 0)) {
      return ['+TEST: ERROR(-1)'];
    }
    if (![crc, iq, net].every(onOff)) return ['+TEST: ERROR(-1)'];
    this.rf = {
      frequency: hz,
      spreadingFactor: sf,
      bandwidth: (bw ?? 125) * 1000,
      txPreamble: Number(txpr),
      power: Number(pow),
      invertIq: iq.toUpperCase() === 'ON',
    };
    return [
      `+TEST: RFCFG F:${hz}, SF${sf}, BW${bw}K, TXPR:${txpr}, RXPR:${rxpr}, POW:${pow}dBm, ` +
        `CRC:${crc.toUpperCase()}, IQ:${iq.toUpperCase()}, NET:${net.toUpperCase()}`,
    ];
  }
}

export class Rak3172Device implements AtDeviceModel {
  readonly transmitted: AtTransmission[] = [];
  refuseTransmit = false;
  private workMode = 1;
  private receive: 'off' | 'continuous' | 'single' = 'off';
  private p2p = { PFREQ: 868_000_000, PSF: 7, PBW: 125, PCR: 0, PPL: 8, PTP: 14, IQINVER: 0 };

  get listening(): boolean {
    return this.receive !== 'off';
  }

  handleCommand(raw: string): string[] {
    const line = raw.trim();
    const upper = line.toUpperCase();
    if (upper === 'AT') return ['OK'];
    const set = /^AT\+([A-Z0-9]+)=(.*)$/.exec(upper);
    if (!set) return upper.startsWith('AT') ? ['AT_COMMAND_NOT_FOUND'] : [];
    const [, name, value] = set;
    if (name === 'NWM') {
      const mode = intIn(value, 0, 2);
      if (mode === undefined) return ['AT_PARAM_ERROR'];
      const changed = mode !== this.workMode;
      this.workMode = mode;
      this.receive = 'off';
      // A work-mode change reboots the module, which then prints its mode.
      return changed ? ['OK', mode === 0 ? 'Current Work Mode: LoRa P2P.' : 'Current Work Mode: LoRaWAN.'] : ['OK'];
    }
    const p2pLimits: Record<string, [number, number] | number[]> = {
      PFREQ: [150_000_000, 960_000_000],
      PSF: [5, 12],
      PCR: [0, 3],
      PPL: [2, 65535],
      PTP: [5, 22],
      PRECV: [0, 65535],
      IQINVER: [0, 1],
    };
    if (name === 'PSEND') return this.transmit(value);
    if (name === 'PBW' || name in p2pLimits) {
      if (this.workMode !== 0) return ['AT_MODE_NO_SUPPORT'];
      if (name === 'PBW') {
        if (!['125', '250', '500'].includes(value)) return ['AT_PARAM_ERROR'];
        this.p2p.PBW = Number(value);
        return ['OK'];
      }
      const [min, max] = p2pLimits[name];
      const number = intIn(value, min, max);
      if (number === undefined) return ['AT_PARAM_ERROR'];
      if (name === 'PRECV') this.receive = number === 0 ? 'off' : number === 65534 ? 'continuous' : 'single';
      else this.p2p[name as keyof typeof this.p2p] = number;
      return ['OK'];
    }
    return ['AT_COMMAND_NOT_FOUND'];
  }

  packetLines(packet: AtPacket): string[] {
    if (this.receive === 'single') this.receive = 'off';
    return [`+EVT:RXP2P:${packet.rssi}:${packet.snr}:${hex(packet.payload)}`];
  }

  interrupt(): string[] {
    if (this.receive === 'off') return [];
    this.receive = 'off';
    return ['+EVT:RXP2P RECEIVE TIMEOUT'];
  }

  /** Modelled as busy while listening: the host must end reception (AT+PRECV=0) first. */
  private transmit(hexText: string): string[] {
    if (this.workMode !== 0) return ['AT_MODE_NO_SUPPORT'];
    if (this.receive !== 'off') return ['AT_BUSY_ERROR'];
    if (!/^(?:[0-9A-F]{2})+$/.test(hexText) || hexText.length > 510) return ['AT_PARAM_ERROR'];
    if (this.refuseTransmit) return ['AT_ERROR'];
    const p = this.p2p;
    this.transmitted.push({
      payload: Buffer.from(hexText, 'hex'),
      frequency: p.PFREQ,
      spreadingFactor: p.PSF,
      bandwidth: p.PBW * 1000,
      codeRate: `4/${5 + p.PCR}`,
      power: p.PTP,
      preamble: p.PPL,
      invertIq: p.IQINVER === 1,
    });
    return ['OK', '+EVT:TXP2P DONE'];
  }

  powerCycle(): void {
    this.workMode = 1;
    this.receive = 'off';
    this.p2p.IQINVER = 0;
  }
}

export class Rn2483Device implements AtDeviceModel {
  readonly transmitted: AtTransmission[] = [];
  refuseTransmit = false;
  private paused = false;
  private receiving = false;
  private radio: Record<string, string> = { freq: '868100000', sf: 'sf12', bw: '125', cr: '4/5', prlen: '8', pwr: '1', iqi: 'off' };
  private lastSnr = 0;
  private lastRssi = -128;

  get listening(): boolean {
    return this.receiving;
  }

  handleCommand(raw: string): string[] {
    const words = raw.trim().split(/\s+/);
    const command = words.join(' ');
    if (command === 'sys get ver') return ['RN2483 1.0.5 Oct 31 2018 10:54:15'];
    if (command === 'mac pause') {
      this.paused = true;
      return ['4294967245'];
    }
    if (command === 'mac resume') {
      this.paused = false;
      this.receiving = false;
      return ['ok'];
    }
    if (words[0] === 'radio' && words[1] === 'set' && words.length === 4) {
      if (!this.radioSet(words[2], words[3])) return ['invalid_param'];
      this.radio[words[2]] = words[3];
      return ['ok'];
    }
    if (words[0] === 'radio' && words[1] === 'tx' && words.length === 3) return this.transmit(words[2]);
    if (words[0] === 'radio' && words[1] === 'rx' && words.length === 3) {
      if (intIn(words[2], 0, 65535) === undefined) return ['invalid_param'];
      if (!this.paused || this.receiving) return ['busy'];
      this.receiving = true;
      return ['ok'];
    }
    if (command === 'radio rxstop') {
      this.receiving = false;
      return ['ok'];
    }
    if (command === 'radio get snr') return [String(this.lastSnr)];
    if (command === 'radio get rssi') return [String(this.lastRssi)];
    return ['invalid_param'];
  }

  packetLines(packet: AtPacket): string[] {
    this.receiving = false;
    this.lastSnr = packet.snr;
    this.lastRssi = packet.rssi;
    return [`radio_rx  ${hex(packet.payload)}`];
  }

  interrupt(): string[] {
    if (!this.receiving) return [];
    this.receiving = false;
    return ['radio_err'];
  }

  powerCycle(): void {
    this.paused = false;
    this.receiving = false;
  }

  /** `ok` when accepted, then `radio_tx_ok` (or `radio_err`) when the frame has left. */
  private transmit(hexText: string): string[] {
    if (!/^(?:[0-9A-Fa-f]{2})+$/.test(hexText) || hexText.length > 510) return ['invalid_param'];
    if (!this.paused || this.receiving) return ['busy'];
    if (this.refuseTransmit) return ['ok', 'radio_err'];
    const r = this.radio;
    this.transmitted.push({
      payload: Buffer.from(hexText, 'hex'),
      frequency: Number(r.freq),
      spreadingFactor: Number(r.sf.slice(2)),
      bandwidth: Number(r.bw) * 1000,
      codeRate: r.cr,
      power: Number(r.pwr),
      preamble: Number(r.prlen),
      invertIq: r.iqi === 'on',
    });
    return ['ok', 'radio_tx_ok'];
  }

  private radioSet(param: string, value: string): boolean {
    switch (param) {
      case 'mod':
        return value === 'lora' || value === 'fsk';
      case 'freq': {
        const hz = intIn(value, 433_050_000, 870_000_000);
        return hz !== undefined && (hz <= 434_790_000 || hz >= 863_000_000);
      }
      case 'sf':
        return /^sf(7|8|9|10|11|12)$/.test(value);
      case 'bw':
        return ['125', '250', '500'].includes(value);
      case 'cr':
        return /^4\/[5-8]$/.test(value);
      case 'crc':
      case 'iqi':
        return value === 'on' || value === 'off';
      case 'sync':
        return /^[0-9a-fA-F]{1,2}$/.test(value);
      case 'prlen':
        return intIn(value, 0, 65535) !== undefined;
      case 'wdt':
        return intIn(value, 0, 4_294_967_295) !== undefined;
      case 'pwr':
        return intIn(value, -3, 15) !== undefined;
      default:
        return false;
    }
  }
}

/** The model of an AT modem driver; a driver without a model here cannot be simulated. */
export function createAtDevice(driver: SerialDriverName): AtDeviceModel {
  if (driver === 'lora-e5') return new LoraE5Device();
  if (driver === 'rak3172') return new Rak3172Device();
  if (driver === 'rn2483') return new Rn2483Device();
  throw new Error(`no AT modem model for driver ${driver}`);
}
