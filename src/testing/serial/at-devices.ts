// Behaviour of the three AT modems as seen over their serial link, without any I/O: a command line
// in, reply lines out; a received packet in, the lines the modem would print out. Replies follow
// the vendors' command manuals for the commands the drivers use.
import type { AtDriverName } from '../../radio/serial/at/dialect.js';

export interface AtPacket {
  payload: Buffer;
  rssi: number;
  snr: number;
}

export interface AtDeviceModel {
  /** Whether a packet on air would be reported now. */
  readonly listening: boolean;
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
  private mode = 'LWOTAA';
  private receiving = false;

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
    return [
      `+TEST: RFCFG F:${hz}, SF${sf}, BW${bw}K, TXPR:${txpr}, RXPR:${rxpr}, POW:${pow}dBm, ` +
        `CRC:${crc.toUpperCase()}, IQ:${iq.toUpperCase()}, NET:${net.toUpperCase()}`,
    ];
  }
}

export class Rak3172Device implements AtDeviceModel {
  private workMode = 1;
  private receive: 'off' | 'continuous' | 'single' = 'off';

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
    };
    if (name === 'PBW' || name in p2pLimits) {
      if (this.workMode !== 0) return ['AT_MODE_NO_SUPPORT'];
      if (name === 'PBW') return ['125', '250', '500'].includes(value) ? ['OK'] : ['AT_PARAM_ERROR'];
      const [min, max] = p2pLimits[name];
      const number = intIn(value, min, max);
      if (number === undefined) return ['AT_PARAM_ERROR'];
      if (name === 'PRECV') this.receive = number === 0 ? 'off' : number === 65534 ? 'continuous' : 'single';
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

  powerCycle(): void {
    this.workMode = 1;
    this.receive = 'off';
  }
}

export class Rn2483Device implements AtDeviceModel {
  private paused = false;
  private receiving = false;
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
    if (words[0] === 'radio' && words[1] === 'set' && words.length === 4) return [this.radioSet(words[2], words[3]) ? 'ok' : 'invalid_param'];
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

export function createAtDevice(driver: AtDriverName): AtDeviceModel {
  if (driver === 'lora-e5') return new LoraE5Device();
  if (driver === 'rak3172') return new Rak3172Device();
  return new Rn2483Device();
}
