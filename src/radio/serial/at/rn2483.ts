// Microchip RN2483/RN2903 in raw radio mode, 57600 8N1.
// After `mac pause` and `radio set ...`, `radio rx 0` answers `ok` and later either
// `radio_rx  <hex>` or `radio_err`; reception then stops, so it is armed again after every packet.
// SNR and RSSI are not on the packet line: `radio get snr` / `radio get rssi` fetch them.
import { type AtCommand, type AtDialect, type AtLine, okCommand, parseHex, parseInteger, valueCommand } from './dialect.js';

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

export const rn2483: AtDialect = {
  name: 'rn2483',
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
      // Ends a reception left armed by an earlier session; firmware before 1.0.5 refuses it, harmlessly.
      { text: 'radio rxstop', accept: (line) => (line.kind === 'ok' || line.kind === 'error' ? 'done' : undefined) },
      okCommand('radio set mod lora'),
      okCommand(`radio set freq ${settings.frequency}`),
      okCommand(`radio set sf sf${settings.spreadingFactor}`),
      okCommand(`radio set bw ${settings.bandwidth / 1000}`),
      okCommand('radio set cr 4/5'),
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
};
