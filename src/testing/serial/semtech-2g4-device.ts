// Behaviour of the Semtech 2.4 GHz gateway MCU as seen over its serial link, without any I/O:
// requests in, encoded response frames out. The simulator wires this to a pty; tests may drive it
// directly. Only what the host HAL uses for receiving is modelled; anything else gets the MCU's
// "unknown command" answer.
import { type Semtech2g4Frame, encodeFrame } from '../../radio/serial/semtech-2g4/framer.js';
import {
  BANDWIDTH_BY_CODE,
  CONFIG_RX_STATUS,
  type ConfigRxRequest,
  ORDER,
  RESET_TYPE,
  type ReceivedMessage,
  SYNC_WORD_PRIVATE,
  SYNC_WORD_PUBLIC,
  ackOrderFor,
  decodeConfigRxRequest,
  decodeResetRequest,
  encodeMsgReceive,
  encodePingAck,
  encodeRxMsgAck,
  encodeStatusAck,
} from '../../radio/serial/semtech-2g4/messages.js';

export interface Semtech2g4DeviceOptions {
  /** As the MCU reports it; the supported firmware is `V01.00.01`. */
  version?: string;
  rxRadios?: number;
  txRadios?: number;
  uniqueId?: [number, number, number];
  /** Messages the MCU buffers between polls; more are counted as lost. */
  fifoCapacity?: number;
  /** Messages handed out per GET_RX_MSG; the rest are flagged as pending. */
  maxPerPoll?: number;
  /** The MCU's free-running µs timer (u32). */
  clockUs?: () => number;
}

export interface Semtech2g4DeviceStats {
  requests: number;
  polls: number;
  delivered: number;
  lost: number;
  unknownCommands: number;
}

export class Semtech2g4Device {
  readonly stats: Semtech2g4DeviceStats = { requests: 0, polls: 0, delivered: 0, lost: 0, unknownCommands: 0 };
  /** Radio index -> its CONFIG_RX settings; empty until the host configures. */
  readonly radios = new Map<number, ConfigRxRequest>();
  private fifo: ReceivedMessage[] = [];
  private lostSincePoll = 0;
  private crcOk: number[];
  private crcError: number[];
  private readonly startedAt = Date.now();
  private readonly options: Required<Semtech2g4DeviceOptions>;

  constructor(options: Semtech2g4DeviceOptions = {}) {
    this.options = {
      version: options.version ?? 'V01.00.01',
      rxRadios: options.rxRadios ?? 3,
      txRadios: options.txRadios ?? 1,
      uniqueId: options.uniqueId ?? [0x0043_0032, 0x3436_5105, 0x2036_3358],
      fifoCapacity: options.fifoCapacity ?? 32,
      maxPerPoll: options.maxPerPoll ?? 8,
      clockUs: options.clockUs ?? (() => Math.round(performance.now() * 1000) >>> 0),
    };
    this.crcOk = new Array<number>(this.options.rxRadios).fill(0);
    this.crcError = new Array<number>(this.options.rxRadios).fill(0);
  }

  /** Indexes of configured radios, ascending. */
  get configuredRadios(): number[] {
    return [...this.radios.keys()].sort((a, b) => a - b);
  }

  get queued(): number {
    return this.fifo.length;
  }

  /** Power cycle: configuration, FIFO and counters are gone. */
  powerCycle(): void {
    this.radios.clear();
    this.fifo = [];
    this.lostSincePoll = 0;
    this.crcOk.fill(0);
    this.crcError.fill(0);
  }

  /**
   * A packet arrives on `radio` now. Returns the message as queued (with the MCU timestamp), or
   * undefined when the radio is not configured or the FIFO is full (then it counts as lost).
   */
  receive(packet: { radio: number; payload: Buffer; rssi: number; snr: number; frequencyErrorHz?: number }): ReceivedMessage | undefined {
    if (!this.radios.has(packet.radio)) return undefined;
    if (this.fifo.length >= this.options.fifoCapacity) {
      this.lostSincePoll += 1;
      this.stats.lost += 1;
      return undefined;
    }
    const message: ReceivedMessage = {
      radio: packet.radio,
      timestampUs: this.options.clockUs() >>> 0,
      frequencyErrorHz: packet.frequencyErrorHz ?? 0,
      snr: packet.snr,
      rssi: packet.rssi,
      payload: packet.payload,
    };
    this.fifo.push(message);
    this.crcOk[packet.radio] = (this.crcOk[packet.radio] + 1) & 0xffff;
    return message;
  }

  /** A packet with a bad CRC: the MCU only counts it. */
  receiveBadCrc(radio: number): void {
    if (this.radios.has(radio)) this.crcError[radio] = (this.crcError[radio] + 1) & 0xffff;
  }

  /** Answers one request; returns the frames to send back, in order. */
  handle(request: Semtech2g4Frame): Buffer[] {
    this.stats.requests += 1;
    const id = request.requestId;
    const ack = (payload?: Buffer): Buffer => encodeFrame(id, ackOrderFor(request.order), payload);
    switch (request.order) {
      case ORDER.PING:
        return [
          ack(
            encodePingAck({
              uniqueId: this.options.uniqueId,
              version: this.options.version,
              txRadios: this.options.txRadios,
              rxRadios: this.options.rxRadios,
            }),
          ),
        ];
      case ORDER.RESET:
        return [ack(Buffer.from([this.reset(request.payload)]))];
      case ORDER.GET_STATUS:
        return [ack(this.status())];
      case ORDER.CONFIG_RX:
        return [ack(Buffer.from([this.configure(request.payload)]))];
      case ORDER.GET_RX_MSG:
        return this.poll(id, ack);
      default:
        this.stats.unknownCommands += 1;
        return [encodeFrame(id, ORDER.UNKNOWN_COMMAND)];
    }
  }

  private reset(payload: Buffer): number {
    let type: number;
    try {
      type = decodeResetRequest(payload);
    } catch {
      return 1;
    }
    if (type === RESET_TYPE.ALL_RX || type === RESET_TYPE.GATEWAY) {
      this.radios.clear();
      this.fifo = [];
    } else if (type >= RESET_TYPE.RX1 && type < RESET_TYPE.ALL_RX) {
      this.radios.delete(type - RESET_TYPE.RX1);
    }
    return 0;
  }

  private status(): Buffer {
    const now = this.options.clockUs();
    return encodeStatusAck({
      systemTimeMs: (Date.now() - this.startedAt) >>> 0,
      preciseTimeUs: now,
      pps: 'never-locked',
      ppsTimeUs: 0,
      temperature: { source: 'mcu', celsius: 31 },
      radios: this.crcOk.map((crcOk, i) => ({ crcOk, crcError: this.crcError[i] })),
    });
  }

  private configure(payload: Buffer): number {
    let request: ConfigRxRequest;
    try {
      request = decodeConfigRxRequest(payload);
    } catch {
      return CONFIG_RX_STATUS.BAD_PARAMETER;
    }
    const valid =
      request.radio < this.options.rxRadios &&
      request.frequency >= 2_400_000_000 &&
      request.frequency <= 2_500_000_000 &&
      request.spreadingFactor >= 5 &&
      request.spreadingFactor <= 12 &&
      BANDWIDTH_BY_CODE.has(request.bandwidthCode) &&
      (request.syncWord === SYNC_WORD_PUBLIC || request.syncWord === SYNC_WORD_PRIVATE);
    if (!valid) return CONFIG_RX_STATUS.BAD_PARAMETER;
    this.radios.set(request.radio, request);
    return CONFIG_RX_STATUS.DONE;
  }

  private poll(requestId: number, ack: (payload?: Buffer) => Buffer): Buffer[] {
    this.stats.polls += 1;
    const batch = this.fifo.splice(0, this.options.maxPerPoll);
    const lost = this.lostSincePoll;
    this.lostSincePoll = 0;
    this.stats.delivered += batch.length;
    const events = batch.map((message) => encodeFrame(requestId, ORDER.EVT_MSG_RECEIVE, encodeMsgReceive(message)));
    const totalBytes = batch.reduce((sum, message) => sum + message.payload.length, 0);
    return [ack(encodeRxMsgAck({ count: batch.length, totalBytes, pending: this.fifo.length > 0, lost })), ...events];
  }
}
