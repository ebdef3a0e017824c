// Seeed LoRa-E5 / Wio-E5 (STM32WLE5, Seeed AT firmware) in TEST (P2P) mode, 9600 8N1.
// Replies echo the command name: `+MODE: TEST`, `+TEST: RFCFG F:868100000, SF7, BW125K, ...`;
// refusals read `+<NAME>: ERROR(<code>)`. A packet arrives as two lines:
// `+TEST: LEN:<n>, RSSI:<dBm>, SNR:<dB>` then `+TEST: RX "<HEX>"`. Transmitting: RFCFG with the TX
// channel (IQ ON inverts both directions), `AT+TEST=TXLRPKT,"<HEX>"` answered `+TEST: TXLRPKT "<HEX>"`
// then `+TEST: TX DONE`, and RFCFG back to the receive channel.
import {
  type AtCommand,
  type AtDialect,
  type AtLine,
  type AtRadioSettings,
  hzToMhzText,
  parseDecimal,
  parseHex,
  parseInteger,
  valueCommand,
} from './dialect.js';

const ERROR_CODES: Record<string, string> = {
  '-1': 'parameter is invalid',
  '-10': 'unknown command',
  '-11': 'command in wrong format',
  '-12': 'command not available in the current mode',
  '-20': 'too many parameters',
  '-21': 'command too long',
  '-22': 'end of command not received in time',
  '-23': 'invalid character',
};

const ERROR_LINE = /^\+([A-Z0-9_]+):\s*ERROR\((-?\d+)\)$/;
const META_LINE = /^\+TEST:\s*LEN:\s*(\d+)\s*,\s*RSSI:\s*(-?\d+(?:\.\d+)?)\s*,\s*SNR:\s*(-?\d+(?:\.\d+)?)$/;
const RX_LINE = /^\+TEST:\s*RX\s+"([^"]*)"$/;
const VALUE_LINE = /^\+([A-Z0-9_]+):\s*(.*)$/;

export function parseLoraE5Line(raw: string): AtLine {
  const text = raw.trim();
  if (/^AT/i.test(text)) return { kind: 'echo', text };
  if (text === '+AT: OK') return { kind: 'ok', text };
  const error = ERROR_LINE.exec(text);
  if (error) {
    const [, name, code] = error;
    return { kind: 'error', text, reason: `${name} ERROR(${code}): ${ERROR_CODES[code] ?? 'unknown error code'}` };
  }
  if (/^\+TEST:\s*LEN:/.test(text)) {
    const meta = META_LINE.exec(text);
    if (!meta) return { kind: 'malformed', text, reason: 'packet metadata line without LEN, RSSI and SNR' };
    return {
      kind: 'rx-meta',
      text,
      length: Number(meta[1]),
      rssi: parseDecimal(meta[2]) as number,
      snr: parseDecimal(meta[3]) as number,
    };
  }
  if (/^\+TEST:\s*RX\b/.test(text)) {
    const rx = RX_LINE.exec(text);
    const payload = rx ? parseHex(rx[1]) : undefined;
    if (!payload) return { kind: 'malformed', text, reason: 'packet line without a quoted even-length hex payload' };
    return { kind: 'rx', text, payload };
  }
  const value = VALUE_LINE.exec(text);
  if (value) return { kind: 'value', text, key: value[1], value: value[2].trim() };
  return { kind: 'unknown', text };
}

/** Which part of `+TEST: RFCFG F:868100000, SF7, BW125K, ...` confirms the requested settings. */
function rfcfgMatches(value: string, frequency: number, spreadingFactor: number, bandwidthKhz: number): boolean {
  const fields = value.replace(/^RFCFG\s*/, '').split(',').map((field) => field.trim());
  return (
    parseInteger(fields[0]?.replace(/^F:/, '') ?? '') === frequency &&
    fields[1] === `SF${spreadingFactor}` &&
    fields[2] === `BW${bandwidthKhz}K`
  );
}

/** RFCFG: frequency, SF, BW, TX preamble, RX preamble, power, CRC, IQ inversion, NET (public sync word). */
function rfcfg(radio: AtRadioSettings, tx: { preamble: number; power: number; invertIq: boolean }): AtCommand {
  const bandwidthKhz = radio.bandwidth / 1000;
  const text =
    `AT+TEST=RFCFG,${hzToMhzText(radio.frequency)},SF${radio.spreadingFactor},${bandwidthKhz},` +
    `${tx.preamble},8,${tx.power},ON,${tx.invertIq ? 'ON' : 'OFF'},ON`;
  return {
    text,
    accept: (line) => {
      if (line.kind === 'error') return 'rejected';
      if (line.kind !== 'value' || line.key !== 'TEST' || !line.value.startsWith('RFCFG')) return undefined;
      return rfcfgMatches(line.value, radio.frequency, radio.spreadingFactor, bandwidthKhz) ? 'done' : 'rejected';
    },
  };
}

/** Receiving: TX preamble 8 and power 14 dBm do not matter; IQ not inverted (uplinks). */
const receiveRfcfg = (settings: AtRadioSettings): AtCommand => rfcfg(settings, { preamble: 8, power: 14, invertIq: false });

export const loraE5: AtDialect<'lora-e5'> = {
  name: 'lora-e5',
  hardware: 'Seeed LoRa-E5 / Wio-E5 (Seeed AT firmware) in TEST mode, single channel',
  defaultBaudRate: 9600,
  bandwidths: [125_000, 250_000, 500_000],
  spreadingFactors: [7, 8, 9, 10, 11, 12],
  rearmAfterPacket: false,
  configure(settings) {
    // CRC on, IQ not inverted (uplinks), NET on = public LoRaWAN sync word, so the modem hears LoRaWAN devices.
    return [
      { text: 'AT', accept: (line) => (line.kind === 'ok' ? 'done' : line.kind === 'error' ? 'rejected' : undefined) },
      valueCommand('AT+MODE=TEST', (line) => line.key === 'MODE' && line.value === 'TEST'),
      receiveRfcfg(settings),
    ];
  },
  arm: () => valueCommand('AT+TEST=RXLRPKT', (line) => line.key === 'TEST' && line.value === 'RXLRPKT'),
  parseLine: parseLoraE5Line,
  // The STM32WLE5's high-power amplifier range.
  txPowerRange: [-9, 22],
  // RFCFG has no code-rate field: the firmware always sends 4/5, which is what LoRaWAN uses.
  txCodeRates: ['4/5'],
  transmitPlan(tx, rx) {
    const hex = tx.payload.toString('hex').toUpperCase();
    return {
      prepare: [rfcfg(tx, tx)],
      send: valueCommand(`AT+TEST=TXLRPKT,"${hex}"`, (line) => line.key === 'TEST' && line.value.startsWith('TXLRPKT')),
      finished: (line) => (line.kind === 'value' && line.key === 'TEST' && line.value === 'TX DONE' ? 'done' : undefined),
      restore: [receiveRfcfg(rx)],
    };
  },
};
