// Microchip RN2483/RN2903 in raw radio mode, 57600 8N1.
// After `mac pause` and `radio set ...`, `radio rx 0` answers `ok` and later either
// `radio_rx  <hex>` or `radio_err`; reception then stops, so it is armed again after every packet.
// SNR and RSSI are not on the packet line: `radio get snr` / `radio get rssi` fetch them.
// Transmitting: `radio rxstop`, `radio set ...` for the TX channel with `iqi on`, `radio tx <hex>`
// answered `ok` then `radio_tx_ok` (or `radio_err`), then the receive settings again.
import {
  type AtCommand,
  type AtDialect,
  type AtLine,
  type AtRadioSettings,
  okCommand,
  parseHex,
  parseInteger,
  valueCommand,
} from './dialect.js';

const ERROR_WORDS = new Set([
  'invalid_param',
  'busy',
  'err',
  'denied',
  'not_joined',
  'no_free_ch',
  'silent',
  'mac_paused',
  'invalid_data_len',
  'keys_not_init',
  'frame_counter_err_rejoin_needed',
]);

export function parseRn2483Line(raw: string): AtLine {
  const text = raw.trim();
  if (text === 'ok') return { kind: 'ok', text };
  if (text === 'radio_err') return { kind: 'rx-error', text, rearm: true };
  if (text === 'radio_tx_ok') return { kind: 'tx-done', text };
  if (ERROR_WORDS.has(text)) return { kind: 'error', text, reason: text };
  if (text.startsWith('radio_rx')) {
    const rx = /^radio_rx\s+([0-9A-Fa-f]+)$/.exec(text);
    const payload = rx ? parseHex(rx[1]) : undefined;
    if (!payload) return { kind: 'malformed', text, reason: 'radio_rx line without an even-length hex payload' };
    return { kind: 'rx', text, payload };
  }
  // The banner after a reset, identical to the `sys get ver` answer.
  if (/^RN2\d{3}\s/.test(text)) return { kind: 'boot', text };
  if (/^(sys|mac|radio)\s/.test(text)) return { kind: 'echo', text };
  if (parseInteger(text) !== undefined) return { kind: 'value', text, value: text };
  return { kind: 'unknown', text };
}

const integerReply = (text: string): AtCommand => valueCommand(text, (line) => parseInteger(line.value) !== undefined);

/** Ends a reception in progress; firmware before 1.0.5 refuses it, harmlessly. */
const rxStop: AtCommand = { text: 'radio rxstop', accept: (line) => (line.kind === 'ok' || line.kind === 'error' ? 'done' : undefined) };

function channel(radio: AtRadioSettings, codeRate: string): AtCommand[] {
  return [
    okCommand(`radio set freq ${radio.frequency}`),
    okCommand(`radio set sf sf${radio.spreadingFactor}`),
    okCommand(`radio set bw ${radio.bandwidth / 1000}`),
    okCommand(`radio set cr ${codeRate}`),
  ];
}

export const rn2483: AtDialect<'rn2483'> = {
  name: 'rn2483',
  hardware: 'Microchip RN2483 / RN2903 in raw radio mode, single channel',
  defaultBaudRate: 57600,
  bandwidths: [125_000, 250_000, 500_000],
  spreadingFactors: [7, 8, 9, 10, 11, 12],
  rearmAfterPacket: true,
  configure(settings) {
    return [
      {
        text: 'sys get ver',
        accept: (line) => (line.kind === 'boot' ? 'done' : line.kind === 'error' ? 'rejected' : undefined),
      },
      // Stops the LoRaWAN stack so the radio is ours; the answer is how long it stays paused (ms).
      integerReply('mac pause'),
      // Ends a reception left armed by an earlier session.
      rxStop,
      okCommand('radio set mod lora'),
      ...channel(settings, '4/5'),
      okCommand('radio set crc on'),
      // Uplinks are not IQ-inverted; 0x34 is the public LoRaWAN sync word.
      okCommand('radio set iqi off'),
      okCommand('radio set sync 34'),
      okCommand('radio set prlen 8'),
      // No receive watchdog: `radio rx 0` then listens until a packet arrives.
      okCommand('radio set wdt 0'),
    ];
  },
  arm: () => okCommand('radio rx 0'),
  metadataQueries: () => ({ snr: integerReply('radio get snr'), rssi: integerReply('radio get rssi') }),
  parseLine: parseRn2483Line,
  txPowerRange: [-3, 15],
  txCodeRates: ['4/5', '4/6', '4/7', '4/8'],
  transmitPlan(tx, rx) {
    return {
      prepare: [
        rxStop,
        ...channel(tx, tx.codeRate),
        okCommand(`radio set prlen ${tx.preamble}`),
        okCommand(`radio set pwr ${tx.power}`),
        okCommand(`radio set iqi ${tx.invertIq ? 'on' : 'off'}`),
      ],
      send: okCommand(`radio tx ${tx.payload.toString('hex').toUpperCase()}`),
      finished: (line) => (line.kind === 'tx-done' ? 'done' : line.kind === 'rx-error' ? 'rejected' : undefined),
      restore: [okCommand('radio set iqi off'), ...channel(rx, '4/5'), okCommand('radio set prlen 8')],
    };
  },
};
