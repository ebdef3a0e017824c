// The shape of an AT-modem dialect: a table of commands plus a pure line classifier. The shared
// engine (at/driver.ts) runs any dialect; each dialect file holds only what differs between modems.

/** One line from the modem, classified. */
export type AtLine =
  /** A bare success (`OK`, `ok`, `+AT: OK`). */
  | { kind: 'ok'; text: string }
  /** A refusal; `reason` is what the modem said. */
  | { kind: 'error'; text: string; reason: string }
  /** A reply carrying data, e.g. `+MODE: TEST` (key `MODE`) or `4294967245` (no key). */
  | { kind: 'value'; text: string; key?: string; value: string }
  /** A received packet; metadata present when the line carries it. */
  | { kind: 'rx'; text: string; payload: Buffer; rssi?: number; snr?: number }
  /** Metadata announced ahead of the packet line (LoRa-E5). */
  | { kind: 'rx-meta'; text: string; length: number; rssi: number; snr: number }
  /** The receive window ended without a packet; the modem must be armed again. */
  | { kind: 'rx-timeout'; text: string }
  /** A reception failed (CRC or radio error). */
  | { kind: 'rx-error'; text: string; rearm: boolean }
  /** A transmission ended on air (RN2483 `radio_tx_ok`; the others report it as a value line). */
  | { kind: 'tx-done'; text: string }
  /** The modem rebooted (banner line); its configuration is gone. */
  | { kind: 'boot'; text: string }
  /** Our own command echoed back. */
  | { kind: 'echo'; text: string }
  /** Looked like a known line but did not parse (bad hex, missing fields). */
  | { kind: 'malformed'; text: string; reason: string }
  | { kind: 'unknown'; text: string };

export type AtReplyVerdict = 'done' | 'rejected' | undefined;

export interface AtCommand {
  /** Sent followed by CR LF. */
  text: string;
  /** Decides whether a line answers this command: done, rejected, or not for me (undefined). */
  accept(line: AtLine): AtReplyVerdict;
  timeoutMs?: number;
}

/** Radio settings of a single-channel modem. */
export interface AtRadioSettings {
  /** Hz. */
  frequency: number;
  spreadingFactor: number;
  /** Hz. */
  bandwidth: number;
}

/** Everything a single-channel modem needs to put one LoRa frame on air. */
export interface AtTxSettings extends AtRadioSettings {
  /** As written on air, e.g. `4/5`. */
  codeRate: string;
  /** dBm, already within the dialect's txPowerRange. */
  power: number;
  preamble: number;
  /** LoRaWAN downlinks are IQ-inverted. */
  invertIq: boolean;
  payload: Buffer;
}

/** The commands one transmission takes; the engine runs them while nothing else talks to the modem. */
export interface AtTransmitPlan {
  /** Stop receiving and set the transmit parameters. */
  prepare: AtCommand[];
  /** Puts the payload on air; its reply means the modem took it. */
  send: AtCommand;
  /** Recognises the line that ends the transmission: done, or failed (rejected). Never matches error replies. */
  finished(line: AtLine): AtReplyVerdict;
  /** Set the receive parameters back; arming follows. */
  restore: AtCommand[];
}

/** `Name` keeps the driver name literal, so the registry can list the names as a type. */
export interface AtDialect<Name extends string = string> {
  /** The serial driver name (`driver:` in the configuration). */
  readonly name: Name;
  /** The modems and firmware this dialect speaks to, in one line (config template). */
  readonly hardware: string;
  readonly defaultBaudRate: number;
  /** Bandwidths (Hz) the modem can receive with. */
  readonly bandwidths: readonly number[];
  readonly spreadingFactors: readonly number[];
  /** Commands, in order, that set the modem up for receiving with these settings (arming excluded). */
  configure(settings: AtRadioSettings): AtCommand[];
  /** Starts (continuous, where the modem has it) reception. */
  arm(): AtCommand;
  /** Whether reception stops after each packet and must be armed again (RN2483). */
  readonly rearmAfterPacket: boolean;
  /** Queries that fetch the metadata of the last packet when the packet line has none (RN2483). */
  metadataQueries?(): { snr: AtCommand; rssi: AtCommand };
  parseLine(line: string): AtLine;
  /** Transmit power the modem takes, dBm [min, max]. */
  readonly txPowerRange: readonly [number, number];
  /** Code rates the modem can transmit with, as written on air. */
  readonly txCodeRates: readonly string[];
  /** How to send one frame, and to come back to receiving with `rx` afterwards. */
  transmitPlan(tx: AtTxSettings, rx: AtRadioSettings): AtTransmitPlan;
}

// ---- helpers shared by the dialect tables --------------------------------------------------

/** A command answered by a bare OK, refused by an error line. */
export function okCommand(text: string, timeoutMs?: number): AtCommand {
  return {
    text,
    timeoutMs,
    accept: (line) => (line.kind === 'ok' ? 'done' : line.kind === 'error' ? 'rejected' : undefined),
  };
}

/** A command answered by a value line that `isAnswer` recognises, refused by an error line. */
export function valueCommand(text: string, isAnswer: (line: Extract<AtLine, { kind: 'value' }>) => boolean, timeoutMs?: number): AtCommand {
  return {
    text,
    timeoutMs,
    accept: (line) => (line.kind === 'value' && isAnswer(line) ? 'done' : line.kind === 'error' ? 'rejected' : undefined),
  };
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Strict hex: even length, hex digits only. Returns undefined otherwise. */
export function parseHex(text: string): Buffer | undefined {
  return HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
}

/** A decimal integer (optional sign), or undefined. */
export function parseInteger(text: string): number | undefined {
  const trimmed = text.trim();
  return /^[+-]?\d+$/.test(trimmed) ? Number.parseInt(trimmed, 10) : undefined;
}

/** A decimal number (the modems print SNR with a fraction sometimes), or undefined. */
export function parseDecimal(text: string): number | undefined {
  const trimmed = text.trim();
  return /^[+-]?\d+(?:\.\d+)?$/.test(trimmed) ? Number.parseFloat(trimmed) : undefined;
}

/** `868100000` -> `868.1`, without float rounding surprises. */
export function hzToMhzText(hz: number): string {
  const whole = Math.floor(hz / 1_000_000);
  const fraction = String(hz % 1_000_000).padStart(6, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}
