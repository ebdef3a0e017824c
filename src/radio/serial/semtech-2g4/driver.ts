// Driver for the Semtech LoRa 2.4 GHz gateway MCU: the HAL's start sequence (PING + firmware check,
// RESET, GET_STATUS, CONFIG_RX per radio) followed by the GET_RX_MSG poll loop, with every received
// message mapped to a RadioFrame, and downlinks (PREPARE_TX, then GET_TX_STATUS until the packet
// has left). Requests are strictly one at a time, as the MCU expects: receive polls and transmit
// steps take turns on the link.
import type { TxRequest, TxStatus } from '../../downlink.js';
import type { RadioFrame } from '../../radio-frame.js';
import { CommandTimeoutError, DeviceReplyError, DeviceUnusableError, MalformedMessageError, PortClosedError } from '../errors.js';
import { type DriverSession, type DriverSessionFactory, type SessionIo, SessionLifetime, retryDelayMs } from '../session.js';
import { Waitress } from '../waitress.js';
import type { Semtech2g4Channel } from './channels.js';
import { Semtech2g4Framer, type Semtech2g4Frame, encodeFrame } from './framer.js';
import {
  CONFIG_RX_STATUS,
  EXPECTED_FIRMWARE,
  ORDER,
  RESET_TYPE,
  SYNC_WORD_PUBLIC,
  TX_MODE,
  type StatusAck,
  ackOrderFor,
  decodeMsgReceive,
  decodePingAck,
  decodeRxMsgAck,
  decodeStatusAck,
  decodeStatusByte,
  describeConfigRxStatus,
  describeTxStatus,
  encodeConfigRxRequest,
  encodePrepareTxRequest,
  encodeResetRequest,
  firmwareOf,
  orderName,
  preambleFor,
} from './messages.js';
import { counterDelta, planPrepareTx, prepareTxRefusal, txOutcome } from './tx-plan.js';

export interface Semtech2g4DriverOptions {
  channels: Semtech2g4Channel[];
  /** Deadline for each ack. */
  commandTimeoutMs?: number;
  /** Pause after a poll that returned nothing (the packet forwarder uses 10 ms). */
  pollIntervalMs?: number;
  /** How often GET_STATUS refreshes the CRC-error counters while receiving. */
  statusIntervalMs?: number;
  /** Wait after each RESET before the MCU takes commands again (the HAL waits 500 ms). */
  resetSettleMs?: number;
  expectedFirmware?: string;
  /** A timestamped downlink must reach the MCU at least this long before its time (default 10 ms), else TOO_LATE. */
  txLeadMs?: number;
  /** ...and at most this long before it (default 20 s), else TOO_EARLY: the MCU holds one packet at a time. */
  txMaxAdvanceMs?: number;
  /** GET_TX_STATUS interval once the packet is due (default 10 ms, as the HAL). */
  txStatusPollMs?: number;
}

export function semtech2g4Driver(options: Semtech2g4DriverOptions): DriverSessionFactory {
  return (io) => new Semtech2g4Session(io, options);
}

class Semtech2g4Session implements DriverSession {
  private readonly framer = Semtech2g4Framer.forHost();
  private readonly waitress = new Waitress<Semtech2g4Frame>();
  private readonly lifetime = new SessionLifetime();
  private readonly framerSeen = { discardedBytes: 0, oversizedFrames: 0 };
  private readonly commandTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly statusIntervalMs: number;
  private readonly resetSettleMs: number;
  private readonly expectedFirmware: string;
  // Request ids are only for humans reading traces; the MCU is not required to echo them.
  private nextRequestId = 2;
  private lastCrcErrors: number[] | undefined;
  /**
   * MSG_RECEIVE events seen so far. Events often arrive in the same read as the GET_RX_MSG ack,
   * before the poll loop has even resumed, so the loop waits on this count, not on new arrivals.
   */
  private eventsSeen = 0;
  private readonly eventCount = new Waitress<number>();
  /** Tail of the queue of link users (poll steps, transmit steps); see withLink. */
  private linkTail: Promise<void> = Promise.resolve();
  private txRadios = 0;
  private receiving = false;
  /** Bumped by every configure: a TX started before a reconfigure (which resets the TX radio) is lost. */
  private generation = 0;
  /** MCU precise timer at the last GET_STATUS, and the host's monotonic ms when it arrived. */
  private mcuClock: { us: number; hostMs: number } | undefined;

  constructor(
    private readonly io: SessionIo,
    private readonly options: Semtech2g4DriverOptions,
  ) {
    this.commandTimeoutMs = options.commandTimeoutMs ?? 1000;
    this.pollIntervalMs = options.pollIntervalMs ?? 10;
    this.statusIntervalMs = options.statusIntervalMs ?? 1000;
    this.resetSettleMs = options.resetSettleMs ?? 500;
    this.expectedFirmware = options.expectedFirmware ?? EXPECTED_FIRMWARE;
  }

  async run(): Promise<void> {
    let attempt = 0;
    while (!this.lifetime.closed) {
      attempt += 1;
      try {
        this.io.setState('configuring');
        await this.withLink(() => this.configure());
        attempt = 0;
        this.io.setState('receiving');
        this.receiving = true;
        await this.pollLoop();
      } catch (error) {
        this.receiving = false;
        if (this.lifetime.closed) return;
        if (error instanceof DeviceUnusableError) throw error;
        // The port went away; the source ends this session and starts a new one on reopen.
        if (error instanceof PortClosedError) return;
        if (error instanceof CommandTimeoutError) this.io.counters.commandTimeouts += 1;
        this.io.counters.reconfigures += 1;
        const delay = retryDelayMs(attempt);
        this.io.logger.warn({ err: (error as Error).message, retryInMs: delay }, 'semtech-2g4: lost step with the MCU, configuring again');
        await this.lifetime.sleep(delay);
      }
    }
  }

  push(chunk: Buffer): void {
    const frames = this.framer.push(chunk);
    const { stats } = this.framer;
    this.io.counters.discardedBytes += stats.discardedBytes - this.framerSeen.discardedBytes;
    this.io.counters.oversizedFrames += stats.oversizedFrames - this.framerSeen.oversizedFrames;
    this.framerSeen.discardedBytes = stats.discardedBytes;
    this.framerSeen.oversizedFrames = stats.oversizedFrames;
    for (const frame of frames) {
      if (frame.order === ORDER.EVT_MSG_RECEIVE) {
        this.deliver(frame);
        this.eventsSeen += 1;
        this.eventCount.offer(this.eventsSeen);
      } else if (!this.waitress.offer(frame)) {
        this.io.counters.unexpectedMessages += 1;
        this.io.logger.debug({ order: orderName(frame.order), size: frame.payload.length }, 'semtech-2g4: unexpected frame from the MCU');
      }
    }
  }

  close(): void {
    this.receiving = false;
    this.lifetime.close();
    this.waitress.cancelAll(new PortClosedError('session closed'));
    this.eventCount.cancelAll(new PortClosedError('session closed'));
  }

  /**
   * Runs `use` when every earlier user of the link is done. Users queue in call order, so a
   * transmit step waits for at most the poll step in progress.
   */
  private async withLink<T>(use: () => Promise<T>): Promise<T> {
    const previous = this.linkTail;
    let release = (): void => undefined;
    this.linkTail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await use();
    } finally {
      release();
    }
  }

  /** One request and its ack; callers hold the link (withLink). */
  private async request(order: number, payload?: Buffer): Promise<Buffer> {
    this.lifetime.check();
    const name = orderName(order);
    const ackOrder = ackOrderFor(order);
    const reply = this.waitress.waitFor(
      (frame) => frame.order === ackOrder || frame.order === ORDER.UNKNOWN_COMMAND,
      this.commandTimeoutMs,
      name,
    );
    // The wait may be cancelled while the write is still out; it is awaited right after.
    reply.catch(() => undefined);
    const requestId = this.nextRequestId;
    this.nextRequestId = requestId >= 0xfe ? 2 : requestId + 1;
    try {
      await this.io.write(encodeFrame(requestId, order, payload));
    } catch (error) {
      this.io.counters.writeErrors += 1;
      throw error;
    }
    const frame = await reply;
    if (frame.order === ORDER.UNKNOWN_COMMAND) throw new DeviceReplyError(`the MCU does not know the ${name} command`);
    return frame.payload;
  }

  private async configure(): Promise<void> {
    this.generation += 1;
    const ping = decodePingAck(await this.request(ORDER.PING));
    const firmware = firmwareOf(ping.version);
    const uid = ping.uniqueId.map((word) => word.toString(16).padStart(8, '0')).join('');
    if (firmware !== this.expectedFirmware) {
      throw new DeviceUnusableError(
        `firmware ${firmware || '(empty)'} is not the supported ${this.expectedFirmware}; ` +
          `flash rlz_fwm_gtw_2g4_${this.expectedFirmware}.bin from gateway_2g4_hal (util_boot) and restart`,
      );
    }
    if (ping.rxRadios < this.options.channels.length) {
      throw new DeviceUnusableError(`the MCU has ${ping.rxRadios} RX radios but ${this.options.channels.length} channels are configured`);
    }
    this.io.logger.info({ firmware, uid, txRadios: ping.txRadios, rxRadios: ping.rxRadios }, 'semtech-2g4: MCU answered');
    this.txRadios = ping.txRadios;

    await this.reset(RESET_TYPE.ALL_RX, 'all RX radios');
    if (ping.txRadios > 0) await this.reset(RESET_TYPE.TX, 'the TX radio');
    this.lastCrcErrors = undefined;
    await this.refreshStatus();

    for (const channel of this.options.channels) {
      const request = encodeConfigRxRequest({
        radio: channel.radio,
        frequency: channel.frequency,
        preambleLength: preambleFor(channel.spreadingFactor),
        spreadingFactor: channel.spreadingFactor,
        bandwidthCode: channel.bandwidthCode,
        invertIq: false,
        syncWord: SYNC_WORD_PUBLIC,
      });
      const status = decodeStatusByte(await this.request(ORDER.CONFIG_RX, request), 'CONFIG_RX ack');
      if (status === CONFIG_RX_STATUS.BAD_PARAMETER) {
        throw new DeviceUnusableError(`the MCU refused channel ${channel.radio} (${channel.frequency} Hz SF${channel.spreadingFactor}): bad parameter`);
      }
      if (status !== CONFIG_RX_STATUS.DONE) {
        throw new DeviceReplyError(`CONFIG_RX of radio ${channel.radio} ${describeConfigRxStatus(status)}`);
      }
    }
    this.io.logger.info(
      { channels: this.options.channels.map((c) => `${c.frequency / 1e6} MHz SF${c.spreadingFactor} BW${c.bandwidth / 1e3}k`) },
      'semtech-2g4: receiving',
    );
  }

  private async reset(type: number, what: string): Promise<void> {
    const status = decodeStatusByte(await this.request(ORDER.RESET, encodeResetRequest(type)), 'RESET ack');
    if (status !== 0) throw new DeviceReplyError(`RESET of ${what} failed with status ${status}`);
    await this.lifetime.sleep(this.resetSettleMs);
    this.lifetime.check();
  }

  private async refreshStatus(): Promise<StatusAck> {
    const status = decodeStatusAck(await this.request(ORDER.GET_STATUS));
    this.mcuClock = { us: status.preciseTimeUs, hostMs: performance.now() };
    const errors = status.radios.map((radio) => radio.crcError);
    if (this.lastCrcErrors) {
      // The MCU's counters are u16 and wrap; only the growth since the last read is new.
      errors.forEach((value, i) => {
        const before = this.lastCrcErrors?.[i] ?? value;
        this.io.counters.crcErrors += (value - before + 0x10000) & 0xffff;
      });
    }
    this.lastCrcErrors = errors;
    return status;
  }

  private async pollLoop(): Promise<void> {
    let lastStatusAt = Date.now();
    while (!this.lifetime.closed) {
      const ack = await this.withLink(async () => {
        const before = this.eventsSeen;
        const rx = decodeRxMsgAck(await this.request(ORDER.GET_RX_MSG));
        if (rx.lost > 0) {
          this.io.counters.lostMessages += rx.lost;
          this.io.logger.warn({ lost: rx.lost }, 'semtech-2g4: the MCU dropped received messages (polling too slowly?)');
        }
        // The events follow the ack; the next request must not overtake them.
        const target = before + rx.count;
        if (this.eventsSeen < target) {
          await this.eventCount.waitFor((seen) => seen >= target, this.commandTimeoutMs, `${rx.count} MSG_RECEIVE events`);
        }
        if (Date.now() - lastStatusAt >= this.statusIntervalMs) {
          await this.refreshStatus();
          lastStatusAt = Date.now();
        }
        return rx;
      });
      if (ack.count === 0 && !ack.pending) await this.lifetime.sleep(this.pollIntervalMs);
    }
  }

  /**
   * PREPARE_TX, then GET_TX_STATUS until the MCU reports the packet gone (OK) or failed. A
   * timestamped packet is checked against the MCU clock first: too close (or past) is TOO_LATE, too
   * far ahead TOO_EARLY, so the MCU's single TX slot is never held by a packet that cannot go out.
   */
  async transmit(request: TxRequest): Promise<TxStatus> {
    const log = this.io.logger;
    const refuse = (status: TxStatus, reason: string): TxStatus => {
      log.warn({ status, reason }, 'semtech-2g4: downlink not sent');
      return status;
    };
    if (!this.receiving || this.lifetime.closed) return refuse('INTERNAL_ERROR', 'the MCU is not configured yet (or the port is gone)');
    if (this.txRadios < 1) return refuse('INTERNAL_ERROR', 'the MCU reports no TX radio');
    const plan = planPrepareTx(request);
    if (!plan.ok) return refuse(plan.status, plan.reason);
    if (plan.clampedFrom !== undefined) {
      log.warn({ requested: plan.clampedFrom, used: plan.prepare.power }, 'semtech-2g4: TX power capped at the SX1280 maximum');
    }
    const timestamped = plan.prepare.mode === TX_MODE.TIMESTAMPED;
    const leadUs = timestamped ? this.microsecondsUntil(plan.prepare.countUs) : undefined;
    if (leadUs !== undefined) {
      if (leadUs < (this.options.txLeadMs ?? 10) * 1000) return refuse('TOO_LATE', `due in ${Math.round(leadUs / 1000)} ms by the MCU clock`);
      if (leadUs > (this.options.txMaxAdvanceMs ?? 20_000) * 1000) return refuse('TOO_EARLY', `due in ${Math.round(leadUs / 1000)} ms by the MCU clock`);
    }
    const generation = this.generation;
    try {
      const accepted = await this.withLink(async () =>
        decodeStatusByte(await this.request(ORDER.PREPARE_TX, encodePrepareTxRequest(plan.prepare)), 'PREPARE_TX ack'),
      );
      const refusal = prepareTxRefusal(accepted);
      if (refusal) return refuse(refusal.status, refusal.reason);
      return await this.awaitTxDone(generation, timestamped ? plan.prepare.countUs : undefined);
    } catch (error) {
      return refuse('INTERNAL_ERROR', `lost the MCU during the downlink: ${(error as Error).message}`);
    }
  }

  private async awaitTxDone(generation: number, countUs: number | undefined): Promise<TxStatus> {
    const pollMs = this.options.txStatusPollMs ?? 10;
    // Due time plus the longest SX1280 frame (SF12, 203 kHz, 255 bytes: about 2.7 s) plus slack.
    const dueMs = countUs === undefined ? 0 : Math.max(0, (this.microsecondsUntil(countUs) ?? 0) / 1000);
    const deadline = performance.now() + dueMs + 5000;
    for (;;) {
      const status = await this.withLink(async () => decodeStatusByte(await this.request(ORDER.GET_TX_STATUS), 'GET_TX_STATUS ack'));
      if (this.generation !== generation) return this.txFailed('the MCU was configured again (TX radio reset) before the packet left');
      const outcome = txOutcome(status);
      if (outcome === 'OK') return 'OK';
      if (outcome !== 'pending') return this.txFailed(`the MCU reports ${describeTxStatus(status)}`);
      if (performance.now() > deadline) return this.txFailed(`the packet is still ${describeTxStatus(status)} long after it was due`);
      // Far from the due time there is no need to ask every 10 ms.
      const untilDueMs = countUs === undefined ? 0 : (this.microsecondsUntil(countUs) ?? 0) / 1000;
      await this.lifetime.sleep(untilDueMs > 100 ? Math.min(untilDueMs - 50, 500) : pollMs);
      this.lifetime.check();
    }
  }

  private txFailed(reason: string): TxStatus {
    this.io.logger.warn({ reason }, 'semtech-2g4: downlink failed');
    return 'INTERNAL_ERROR';
  }

  /** µs from now (MCU clock, extrapolated from the last GET_STATUS) until `countUs`; undefined before any status. */
  private microsecondsUntil(countUs: number): number | undefined {
    const clock = this.mcuClock;
    if (!clock) return undefined;
    const nowUs = (clock.us + Math.round((performance.now() - clock.hostMs) * 1000)) >>> 0;
    return counterDelta(countUs, nowUs);
  }

  private deliver(frame: Semtech2g4Frame): void {
    let frameOut: RadioFrame;
    try {
      frameOut = this.toRadioFrame(frame.payload);
    } catch (error) {
      this.io.counters.malformedMessages += 1;
      this.io.logger.debug({ err: (error as Error).message }, 'semtech-2g4: dropped an undecodable MSG_RECEIVE event');
      return;
    }
    this.io.counters.frames += 1;
    this.io.emit(frameOut);
  }

  private toRadioFrame(payload: Buffer): RadioFrame {
    const message = decodeMsgReceive(payload);
    const channel = this.options.channels[message.radio];
    if (!channel) throw new MalformedMessageError(`MSG_RECEIVE from radio ${message.radio}, which is not configured`);
    const context = Buffer.alloc(4);
    context.writeUInt32BE(message.timestampUs >>> 0, 0);
    return {
      source: this.io.sourceId,
      receivedAt: this.io.now(),
      counterUs: message.timestampUs >>> 0,
      frequency: channel.frequency,
      channel: channel.radio,
      rfChain: channel.radio,
      modulation: 'LORA',
      spreadingFactor: channel.spreadingFactor,
      bandwidth: channel.bandwidth,
      // The SX1280 gateway always receives with long-interleaved 4/8 (the HAL hard-codes it).
      codeRate: '4/8LI',
      // The MCU only forwards packets whose CRC was good; bad ones only show in GET_STATUS counters.
      crc: 'ok',
      rssi: message.rssi + channel.rssiOffset,
      snr: message.snr,
      payload: message.payload,
      context,
    };
  }
}
