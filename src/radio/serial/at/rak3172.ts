// RAKwireless RUI3 firmware (RAK3172 and relatives) in LoRa P2P mode, 115200 8N1.
// Commands answer `OK` or an `AT_...` error word. `AT+PRECV=65534` listens continuously; each packet
// arrives as `+EVT:RXP2P:<rssi>:<snr>:<hex>`, and an ended window as `+EVT:RXP2P RECEIVE TIMEOUT`.
// Transmitting: `AT+PRECV=0` ends reception, the P2P parameters are set for the TX channel,
// `AT+IQINVER=1` inverts IQ (RUI3 4.x; older firmware refuses it, and the downlink fails rather than
// go out unheard), `AT+PSEND=<hex>` answers OK then `+EVT:TXP2P DONE`; then everything goes back.
import { type AtCommand, type AtDialect, type AtLine, type AtRadioSettings, okCommand, parseHex, parseInteger } from './dialect.js';

const ERROR_WORDS: Record<string, string> = {
  AT_ERROR: 'generic error',
  AT_PARAM_ERROR: 'parameter is invalid',
  AT_BUSY_ERROR: 'modem is busy',
  AT_TEST_PARAM_OVERFLOW: 'parameter too long',
  AT_NO_CLASSB_ENABLE: 'class B not enabled',
  AT_NO_NETWORK_JOINED: 'network not joined',
  AT_RX_ERROR: 'receive error',
  AT_MODE_NO_SUPPORT: 'not supported in the current work mode',
  AT_COMMAND_NOT_FOUND: 'unknown command',
};

const RX_EVENT = /^\+EVT:RXP2P:(-?\d+):(-?\d+):([0-9A-Fa-f]*)$/;

export function parseRak3172Line(raw: string): AtLine {
  const text = raw.trim();
  if (text === 'OK') return { kind: 'ok', text };
  if (/^AT_[A-Z_]+$/.test(text)) return { kind: 'error', text, reason: `${text}: ${ERROR_WORDS[text] ?? 'error'}` };
  if (/^AT(\+.*)?$/i.test(text)) return { kind: 'echo', text };
  if (text === '+EVT:RXP2P RECEIVE TIMEOUT') return { kind: 'rx-timeout', text };
  // In continuous mode a failed reception does not end listening, so no re-arm is needed.
  if (text === '+EVT:RXP2P RECEIVE ERROR') return { kind: 'rx-error', text, rearm: false };
  if (text.startsWith('+EVT:RXP2P')) {
    const rx = RX_EVENT.exec(text);
    const payload = rx ? parseHex(rx[3]) : undefined;
    if (!rx || !payload) return { kind: 'malformed', text, reason: 'RXP2P event is not +EVT:RXP2P:<rssi>:<snr>:<even-length hex>' };
    return { kind: 'rx', text, payload, rssi: parseInteger(rx[1]), snr: parseInteger(rx[2]) };
  }
  // Printed after a reboot, including the one a work-mode change triggers.
  if (/^Current Work Mode/i.test(text)) return { kind: 'boot', text };
  const value = /^\+([A-Z0-9_]+):\s*(.*)$/.exec(text);
  if (value) return { kind: 'value', text, key: value[1], value: value[2].trim() };
  return { kind: 'unknown', text };
}

const iqNormal = (line: AtLine): 'done' | undefined => (line.kind === 'ok' || line.kind === 'error' ? 'done' : undefined);

const CODE_RATE_INDEX: Record<string, number> = { '4/5': 0, '4/6': 1, '4/7': 2, '4/8': 3 };

/** The P2P radio parameters, in the order the receive configuration sends them. */
function p2pParameters(radio: AtRadioSettings, tx: { codeRate: string; preamble: number; power: number }): AtCommand[] {
  return [
    okCommand(`AT+PFREQ=${radio.frequency}`),
    okCommand(`AT+PSF=${radio.spreadingFactor}`),
    okCommand(`AT+PBW=${radio.bandwidth / 1000}`),
    okCommand(`AT+PCR=${CODE_RATE_INDEX[tx.codeRate] ?? 0}`),
    okCommand(`AT+PPL=${tx.preamble}`),
    okCommand(`AT+PTP=${tx.power}`),
  ];
}

/** Receiving: coding rate 4/5 (what LoRaWAN uses), preamble 8; the power is unused. */
const receiveParameters = (settings: AtRadioSettings): AtCommand[] => p2pParameters(settings, { codeRate: '4/5', preamble: 8, power: 14 });

export const rak3172: AtDialect<'rak3172'> = {
  name: 'rak3172',
  hardware: 'RAKwireless RUI3 modules (RAK3172 and others) in LoRa P2P mode, single channel',
  defaultBaudRate: 115200,
  bandwidths: [125_000, 250_000, 500_000],
  spreadingFactors: [5, 6, 7, 8, 9, 10, 11, 12],
  rearmAfterPacket: false,
  configure(settings) {
    return [
      okCommand('AT'),
      // Switching the work mode reboots the module, which can take a few seconds.
      okCommand('AT+NWM=0', 5000),
      ...receiveParameters(settings),
    ];
  },
  // 65534 = listen continuously without a timeout.
  arm: () => okCommand('AT+PRECV=65534'),
  parseLine: parseRak3172Line,
  txPowerRange: [5, 22],
  txCodeRates: Object.keys(CODE_RATE_INDEX),
  transmitPlan(tx, rx) {
    return {
      prepare: [okCommand('AT+PRECV=0'), ...p2pParameters(tx, tx), ...(tx.invertIq ? [okCommand('AT+IQINVER=1')] : [])],
      send: okCommand(`AT+PSEND=${tx.payload.toString('hex').toUpperCase()}`),
      finished: (line) => (line.kind === 'value' && line.key === 'EVT' && line.value === 'TXP2P DONE' ? 'done' : undefined),
      // Tolerant: firmware without IQ inversion refused it in prepare already, and must not fail here too.
      restore: [...(tx.invertIq ? [{ text: 'AT+IQINVER=0', accept: iqNormal }] : []), ...receiveParameters(rx)],
    };
  },
};
