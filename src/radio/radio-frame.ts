// The one type every radio source produces. Downstream stages see only this, never the wire
// protocol a frame came in on (except through `source`).

export type Modulation = 'LORA' | 'FSK';
export type CrcStatus = 'ok' | 'bad' | 'none';

export interface RadioFrame {
  /** Id of the source that received the frame, for example `udp` or `serial:/dev/ttyACM0`. */
  source: string;
  /** Host receive time, ms since the Unix epoch. */
  receivedAt: number;
  /** Concentrator internal microsecond counter (u32, wraps every ~71 minutes), when known. */
  counterUs?: number;
  /** GPS time of reception, ms since the GPS epoch (1980-01-06), when the gateway has GPS. */
  gpsTimeMs?: number;
  /** UTC time of reception as the concentrator reported it (ISO 8601), when known. */
  gwTime?: string;
  /** Centre frequency in Hz. */
  frequency: number;
  channel?: number;
  rfChain?: number;
  modulation: Modulation;
  /** LoRa only. */
  spreadingFactor?: number;
  /** LoRa bandwidth in Hz. */
  bandwidth?: number;
  /** LoRa code rate as written on air, for example `4/5`. */
  codeRate?: string;
  /** FSK only: bit rate in bit/s. */
  fskDatarate?: number;
  crc: CrcStatus;
  /** dBm. */
  rssi: number;
  /** dB; absent for FSK. */
  snr?: number;
  payload: Buffer;
  /** Opaque bytes a source needs to schedule a downlink relative to this uplink. */
  context?: Buffer;
}

/** What every radio source (UDP packet forwarder, serial driver) offers the composition root. */
export interface RadioSource {
  readonly id: string;
  /** Starts receiving; frames are delivered to the handler given at construction. */
  start(): Promise<void>;
  /** Stops receiving and releases every handle. Idempotent. */
  stop(): Promise<void>;
  /** Counters for stats and metrics; keys are stable names. */
  counters(): Record<string, number>;
  /** Human-readable state for status views, for example `listening`, `open`, `reopening`. */
  state(): string;
}

export type FrameHandler = (frame: RadioFrame) => void;
