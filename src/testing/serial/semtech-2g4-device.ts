// Behaviour of the Semtech 2.4 GHz gateway MCU as seen over its serial link, without any I/O:
// requests in, encoded response frames out. The simulator wires this to a pty; tests may drive it
// directly. What the host HAL uses for receiving and transmitting is modelled (one TX slot: a
// packet is LOADED until its time, ON_AIR for its airtime, then DONE); anything else gets the
// MCU's "unknown command" answer.
import { type Semtech2g4Frame, encodeFrame } from '../../radio/serial/semtech-2g4/framer.js';
import {
  BANDWIDTH_BY_CODE,
  CONFIG_RX_STATUS,
  type ConfigRxRequest,
  ORDER,
  PREPARE_TX_STATUS,
  type PrepareTxRequest,
  RESET_TYPE,
  TX_MODE,
  TX_POWER_MAX_DBM,
  TX_POWER_MIN_DBM,
  TX_STATUS,
  type ReceivedMessage,
  SYNC_WORD_PRIVATE,
  SYNC_WORD_PUBLIC,
  ackOrderFor,
  decodeConfigRxRequest,
  decodePrepareTxRequest,
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
  /** Fault injection: accepted packets end with this status instead of DONE (e.g. TX_STATUS.ERROR_FAIL_TO_SEND). */
  txFinalStatus?: number;
}

/** A packet the MCU accepted with PREPARE_TX. */
export interface Semtech2g4Transmission {
  request: PrepareTxRequest;
  /** MCU timer when PREPARE_TX arrived. */
  acceptedAtUs: number;
  /** MCU timer when it goes on air (count_us, or acceptance for immediate packets). */
  startUs: number;
  airtimeUs: number;
  /** DONE, or the error it ends with. */
  finalStatus: number;
  /** A TX reset or power cycle dropped it before it had gone out. */
  aborted?: boolean;
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
  /** Every packet accepted for transmission, in order. */
  readonly transmissions: Semtech2g4Transmission[] = [];
  /** Fault injection, changeable at any time: see Semtech2g4DeviceOptions.txFinalStatus. */
  txFinalStatus: number;
  /** Radio index -> its CONFIG_RX settings; empty until the host configures. */
  readonly radios = new Map<number, ConfigRxRequest>();
  private fifo: ReceivedMessage[] = [];
  private lostSincePoll = 0;
  private crcOk: number[];
  private crcError: number[];
  private readonly startedAt = Date.now();
  private readonly options: Required<Omit<Semtech2g4DeviceOptions, 'txFinalStatus'>>;

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
    this.txFinalStatus = options.txFinalStatus ?? TX_STATUS.DONE;
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

  /** Power cycle: configuration, FIFO, counters and a pending packet are gone. */
  powerCycle(): void {
    this.abortTx();
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
      case ORDER.PREPARE_TX:
        return [ack(Buffer.from([this.prepareTx(request.payload)]))];
      case ORDER.GET_TX_STATUS:
        return [ack(Buffer.from([this.txStatus()]))];
      default:
        this.stats.unknownCommands += 1;
        return [encodeFrame(id, ORDER.UNKNOWN_COMMAND)];
    }
  }

  /** Status of the most recent packet: IDLE when there is none. */
  txStatus(): number {
    const tx = this.transmissions[this.transmissions.length - 1];
    if (!tx || tx.aborted) return TX_STATUS.IDLE;
    const now = this.options.clockUs() >>> 0;
    const sinceStart = signedUs(now, tx.startUs);
    if (sinceStart < 0) return TX_STATUS.LOADED;
    if (tx.finalStatus !== TX_STATUS.DONE) return tx.finalStatus;
    return sinceStart < tx.airtimeUs ? TX_STATUS.ON_AIR : TX_STATUS.DONE;
  }

  private abortTx(): void {
    const status = this.txStatus();
    const tx = this.transmissions[this.transmissions.length - 1];
    if (tx && (status === TX_STATUS.LOADED || status === TX_STATUS.ON_AIR)) tx.aborted = true;
  }

  private prepareTx(payload: Buffer): number {
    let request: PrepareTxRequest;
    try {
      request = decodePrepareTxRequest(payload);
    } catch {
      return PREPARE_TX_STATUS.INVALID;
    }
    const valid =
      this.options.txRadios > 0 &&
      request.mode <= TX_MODE.ON_GPS &&
      request.frequency >= 2_400_000_000 &&
      request.frequency <= 2_500_000_000 &&
      request.spreadingFactor >= 5 &&
      request.spreadingFactor <= 12 &&
      BANDWIDTH_BY_CODE.has(request.bandwidthCode) &&
      request.codeRateIndex <= 6 &&
      request.power >= TX_POWER_MIN_DBM &&
      request.power <= TX_POWER_MAX_DBM &&
      request.payload.length > 0;
    if (!valid) return PREPARE_TX_STATUS.INVALID;
    const busy = this.txStatus();
    if (busy === TX_STATUS.LOADED || busy === TX_STATUS.ON_AIR) return PREPARE_TX_STATUS.FIFO_FULL;
    const now = this.options.clockUs() >>> 0;
    // A timestamp already past cannot be met; the MCU reports the packet as not sent.
    const late = request.mode === TX_MODE.TIMESTAMPED && signedUs(request.countUs, now) < 0;
    this.transmissions.push({
      request,
      acceptedAtUs: now,
      startUs: request.mode === TX_MODE.TIMESTAMPED && !late ? request.countUs : now,
      airtimeUs: loraAirtimeUs(request),
      finalStatus: late ? TX_STATUS.ERROR_FAIL_TO_SEND : this.txFinalStatus,
    });
    return PREPARE_TX_STATUS.OK;
  }

  private reset(payload: Buffer): number {
    let type: number;
    try {
      type = decodeResetRequest(payload);
    } catch {
      return 1;
    }
    if (type === RESET_TYPE.TX || type === RESET_TYPE.GATEWAY) this.abortTx();
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

/** Signed a - b for u32 µs timer values. */
function signedUs(a: number, b: number): number {
  return ((a - b + 0x1_8000_0000) % 0x1_0000_0000) - 0x8000_0000;
}

/** SX1280 LoRa time on air (explicit header, CRC as requested), rounded up to whole µs. */
function loraAirtimeUs(request: PrepareTxRequest): number {
  const bandwidth = BANDWIDTH_BY_CODE.get(request.bandwidthCode) ?? 812_500;
  const sf = request.spreadingFactor;
  const symbolUs = (2 ** sf / bandwidth) * 1e6;
  // Long-interleaved rates (index 4..6) spend 4/5, 4/6, 4/8; the others 4/5..4/8.
  const cr = [5, 6, 7, 8, 5, 6, 8][request.codeRateIndex] ?? 8;
  const bits = 8 * request.payload.length + (request.crc ? 16 : 0) - 4 * sf + 28;
  const payloadSymbols = 8 + Math.max(Math.ceil(bits / (4 * (sf >= 11 ? sf - 2 : sf))) * cr, 0);
  return Math.ceil((request.preamble + 4.25 + payloadSymbols) * symbolUs);
}
