// The engine that runs any AT dialect: configure + arm with one command in flight at a time, then
// turn packet lines into RadioFrames, re-arm where the modem needs it, and start over when the
// modem stops answering or reboots. Downlinks are best effort: at the host-clock time they are due,
// the modem stops receiving, transmits with the dialect's commands and is set to receive again.
import type { TxRequest, TxStatus } from '../../downlink.js';
import type { RadioFrame } from '../../radio-frame.js';
import { CommandTimeoutError, DeviceReplyError, DeviceUnusableError, PortClosedError } from '../errors.js';
import { LineFramer } from '../line-framer.js';
import { type DriverSession, type DriverSessionFactory, type SessionIo, SessionLifetime, retryDelayMs } from '../session.js';
import { Waitress } from '../waitress.js';
import { type AtCommand, type AtDialect, type AtLine, type AtRadioSettings, type AtTransmitPlan, parseInteger } from './dialect.js';
import { hostTimeContext, lineTimeMs, planAtTransmit, roughAirtimeMs } from './tx-plan.js';

export interface AtDriverOptions {
  dialect: AtDialect;
  settings: AtRadioSettings;
  /** Deadline for a command's reply unless the command sets its own. */
  commandTimeoutMs?: number;
  maxLineLength?: number;
  /** Line speed, to start sending the transmit command early by the time its bytes take on the wire. */
  baudRate?: number;
  /** How long before a downlink is due the modem starts being set up for it (default 300 ms). */
  txPrepareMs?: number;
  /** A downlink due later than this is refused TOO_EARLY (default 20 s). */
  txMaxAdvanceMs?: number;
}

/** Refusals of the configure sequence in a row after which the settings are taken to be wrong. */
const MAX_REFUSALS = 3;

export function atModemDriver(options: AtDriverOptions): DriverSessionFactory {
  return (io) => new AtModemSession(io, options);
}

interface PendingMeta {
  length: number;
  rssi: number;
  snr: number;
  receivedAt: number;
}

class AtModemSession implements DriverSession {
  private readonly framer: LineFramer;
  private readonly waitress = new Waitress<AtLine>();
  private readonly lifetime = new SessionLifetime();
  private readonly framerSeen = { overlongLines: 0, discardedBytes: 0 };
  private readonly dialect: AtDialect;
  private readonly commandTimeoutMs: number;
  private receiving = false;
  private endReceiving: ((error?: Error) => void) | undefined;
  /** Actions while receiving (re-arm, metadata queries), one at a time, in arrival order. */
  private actions: Promise<void> = Promise.resolve();
  private pendingMeta: PendingMeta | undefined;
  private rssiUnsupported = false;

  constructor(
    private readonly io: SessionIo,
    private readonly options: AtDriverOptions,
  ) {
    this.dialect = options.dialect;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    this.framer = new LineFramer(options.maxLineLength ?? 1024);
  }

  async run(): Promise<void> {
    let attempt = 0;
    let refusals = 0;
    while (!this.lifetime.closed) {
      attempt += 1;
      try {
        this.io.setState('configuring');
        this.pendingMeta = undefined;
        for (const command of this.dialect.configure(this.options.settings)) await this.command(command);
        // The receiving period begins before the arm command is sent: its reply and the first
        // packet can arrive in one read, and that packet may already need a re-arm.
        const receiving = this.beginReceiving();
        // Trouble can end the period while the arm command is still out; it is awaited below.
        receiving.catch(() => undefined);
        const armed = this.command(this.dialect.arm());
        this.actions = armed.then(
          () => undefined,
          () => undefined,
        );
        try {
          await armed;
        } catch (error) {
          this.endReceiving?.();
          throw error;
        }
        attempt = 0;
        refusals = 0;
        this.io.logger.info(
          { frequency: this.options.settings.frequency, sf: this.options.settings.spreadingFactor, bw: this.options.settings.bandwidth },
          `${this.dialect.name}: receiving`,
        );
        this.io.setState('receiving');
        await receiving;
      } catch (error) {
        if (this.lifetime.closed || error instanceof PortClosedError) return;
        if (error instanceof CommandTimeoutError) this.io.counters.commandTimeouts += 1;
        if (error instanceof DeviceReplyError) {
          refusals += 1;
          if (refusals >= MAX_REFUSALS) throw new DeviceUnusableError(`${error.message} (${refusals} times; check the radio settings)`);
        }
        this.io.counters.reconfigures += 1;
        const delay = retryDelayMs(attempt);
        this.io.logger.warn({ err: (error as Error).message, retryInMs: delay }, `${this.dialect.name}: configuring the modem again`);
        await this.lifetime.sleep(delay);
      }
    }
  }

  push(chunk: Buffer): void {
    const lines = this.framer.push(chunk);
    const { stats } = this.framer;
    this.io.counters.overlongLines += stats.overlongLines - this.framerSeen.overlongLines;
    this.io.counters.discardedBytes += stats.discardedBytes - this.framerSeen.discardedBytes;
    this.framerSeen.overlongLines = stats.overlongLines;
    this.framerSeen.discardedBytes = stats.discardedBytes;
    for (const text of lines) this.handleLine(this.dialect.parseLine(text));
  }

  close(): void {
    this.lifetime.close();
    this.waitress.cancelAll(new PortClosedError('session closed'));
    this.endReceiving?.();
  }

  /**
   * Best effort: waits (host clock) until shortly before the frame is due, then, with nothing else
   * talking to the modem, sets it up for the frame, sends the transmit command so that its last byte
   * arrives when the frame is due, waits for the end of the transmission, and makes the modem
   * receive again. Never rejects.
   */
  async transmit(request: TxRequest): Promise<TxStatus> {
    const log = this.io.logger;
    const name = this.dialect.name;
    const refuse = (status: TxStatus, reason: string): TxStatus => {
      log.warn({ status, reason }, `${name}: downlink not sent`);
      return status;
    };
    if (!this.receiving || this.lifetime.closed) return refuse('INTERNAL_ERROR', 'the modem is not configured yet (or the port is gone)');
    const plan = planAtTransmit(this.dialect, request);
    if (!plan.ok) return refuse(plan.status, plan.reason);
    if (plan.clampedFrom !== undefined) log.warn({ requested: plan.clampedFrom, used: plan.settings.power }, `${name}: TX power capped at the modem maximum`);
    if (plan.fireAt !== undefined) {
      const dueIn = plan.fireAt - this.io.now();
      if (dueIn < 0) return refuse('TOO_LATE', `due ${-dueIn} ms ago`);
      if (dueIn > (this.options.txMaxAdvanceMs ?? 20_000)) return refuse('TOO_EARLY', `due in ${dueIn} ms`);
      // Receiving goes on until the modem has to be set up for the frame.
      const prepareIn = dueIn - (this.options.txPrepareMs ?? 300);
      if (prepareIn > 0) await this.lifetime.sleep(prepareIn);
      if (this.lifetime.closed) return refuse('INTERNAL_ERROR', 'the port closed before the downlink was due');
    }
    const txPlan = this.dialect.transmitPlan(plan.settings, this.options.settings);
    return this.exclusive(
      () => this.putOnAir(txPlan, plan.fireAt, roughAirtimeMs(plan.settings)),
      txPlan.restore,
      () => refuse('INTERNAL_ERROR', 'the modem is being configured again'),
    );
  }

  /** Prepare, send on time, wait for the end; the caller restores receiving whatever happens. */
  private async putOnAir(plan: AtTransmitPlan, fireAt: number | undefined, airtimeMs: number): Promise<TxStatus> {
    const log = this.io.logger;
    const name = this.dialect.name;
    try {
      for (const command of plan.prepare) await this.command(command);
      if (fireAt !== undefined) {
        const now = this.io.now();
        if (fireAt < now) {
          log.warn({ lateMs: now - fireAt }, `${name}: downlink not sent: setting the modem up took past its time`);
          return 'TOO_LATE';
        }
        // Started early by the time the command's bytes spend on the wire, so the last one lands on time.
        const sendEarly = this.options.baudRate ? lineTimeMs(plan.send.text, this.options.baudRate) : 0;
        const wait = fireAt - sendEarly - now;
        if (wait > 0) await this.lifetime.sleep(wait);
        this.lifetime.check();
      }
      let live = true;
      const finished = this.waitress.waitFor(
        (line) => live && plan.finished(line) !== undefined,
        (this.options.commandTimeoutMs ?? 2000) + Math.ceil(airtimeMs * 1.5),
        'the end of the transmission',
      );
      finished.catch(() => undefined);
      try {
        await this.command(plan.send);
      } catch (error) {
        // A refused send never finishes; its waiter must not swallow later lines.
        live = false;
        throw error;
      }
      const end = await finished;
      if (plan.finished(end) !== 'done') {
        log.warn({ line: end.text }, `${name}: downlink failed on air`);
        return 'INTERNAL_ERROR';
      }
      return 'OK';
    } catch (error) {
      if (error instanceof CommandTimeoutError) this.io.counters.commandTimeouts += 1;
      log.warn({ err: (error as Error).message }, `${name}: downlink failed`);
      return 'INTERNAL_ERROR';
    }
  }

  /**
   * Runs `work` when no other command sequence is in progress, then restores receiving (dialect's
   * restore commands and arm). Resolves with the work's result even when restoring fails; that
   * failure ends the receiving period, so the modem is configured again.
   */
  private exclusive<T>(work: () => Promise<T>, restore: AtCommand[], skipped: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      if (!this.receiving) return resolve(skipped());
      const end = this.endReceiving;
      this.actions = this.actions.then(async () => {
        if (this.endReceiving !== end || this.lifetime.closed) return resolve(skipped());
        try {
          resolve(await work());
        } catch {
          // work() reports its own failures; this only keeps the action chain alive.
          resolve(skipped());
        }
        try {
          for (const command of restore) await this.command(command);
          await this.command(this.dialect.arm());
        } catch (error) {
          if (this.endReceiving === end) end?.(error as Error);
        }
      });
    });
  }

  /** Resolves when the session closes, rejects when something while receiving fails. */
  private beginReceiving(): Promise<void> {
    this.receiving = true;
    return new Promise<void>((resolve, reject) => {
      this.endReceiving = (error) => {
        this.endReceiving = undefined;
        this.receiving = false;
        if (error) reject(error);
        else resolve();
      };
      if (this.lifetime.closed) this.endReceiving();
    });
  }

  private async command(command: AtCommand): Promise<AtLine> {
    this.lifetime.check();
    const reply = this.waitress.waitFor(
      (line) => command.accept(line) !== undefined,
      command.timeoutMs ?? this.commandTimeoutMs,
      `"${command.text}"`,
    );
    // The wait may be cancelled while the write is still out; it is awaited right after.
    reply.catch(() => undefined);
    try {
      await this.io.write(Buffer.from(`${command.text}\r\n`, 'latin1'));
    } catch (error) {
      this.io.counters.writeErrors += 1;
      throw error;
    }
    const line = await reply;
    if (command.accept(line) === 'rejected') {
      const reason = line.kind === 'error' ? line.reason : line.text;
      throw new DeviceReplyError(`${this.dialect.name} refused "${command.text}": ${reason}`);
    }
    return line;
  }

  /** Queues work that must not overlap other commands; a failure ends this receiving period. */
  private schedule(action: () => Promise<void>): void {
    if (!this.receiving) return;
    const end = this.endReceiving;
    this.actions = this.actions.then(async () => {
      // A queued action of a receiving period that already ended must not touch the modem.
      if (this.endReceiving !== end || this.lifetime.closed) return;
      try {
        await action();
      } catch (error) {
        if (this.endReceiving === end) end?.(error as Error);
      }
    });
  }

  private rearm(): void {
    this.schedule(async () => {
      await this.command(this.dialect.arm());
    });
  }

  private handleLine(line: AtLine): void {
    if (this.waitress.offer(line)) return;
    switch (line.kind) {
      case 'rx-meta':
        this.pendingMeta = { length: line.length, rssi: line.rssi, snr: line.snr, receivedAt: this.io.now() };
        return;
      case 'rx':
        this.onPacket(line);
        return;
      case 'rx-timeout':
        if (this.receiving) this.rearm();
        else this.countUnexpected(line);
        return;
      case 'rx-error':
        this.io.counters.rxErrors += 1;
        if (line.rearm) this.rearm();
        return;
      case 'boot':
        if (this.receiving) {
          this.io.logger.warn({ line: line.text }, `${this.dialect.name}: the modem rebooted`);
          this.endReceiving?.(new DeviceReplyError('the modem rebooted'));
        }
        return;
      case 'echo':
        return;
      case 'malformed':
        this.io.counters.malformedMessages += 1;
        this.pendingMeta = undefined;
        this.io.logger.debug({ line: line.text, reason: line.reason }, `${this.dialect.name}: malformed line`);
        // The modem stopped listening after that packet, good or not.
        if (this.dialect.rearmAfterPacket) this.rearm();
        return;
      default:
        this.countUnexpected(line);
    }
  }

  private countUnexpected(line: AtLine): void {
    this.io.counters.unexpectedMessages += 1;
    this.io.logger.debug({ line: line.text }, `${this.dialect.name}: unexpected line`);
  }

  private onPacket(line: Extract<AtLine, { kind: 'rx' }>): void {
    const meta = this.pendingMeta;
    this.pendingMeta = undefined;
    const receivedAt = meta?.receivedAt ?? this.io.now();
    if (meta && meta.length !== line.payload.length) {
      this.io.counters.malformedMessages += 1;
      this.io.logger.debug({ announced: meta.length, got: line.payload.length }, `${this.dialect.name}: packet length differs from its metadata line`);
      return;
    }
    const rssi = line.rssi ?? meta?.rssi;
    const snr = line.snr ?? meta?.snr;
    const queries = this.dialect.metadataQueries?.();
    if (rssi !== undefined && snr !== undefined) {
      this.emit(line.payload, receivedAt, rssi, snr);
      if (this.dialect.rearmAfterPacket) this.rearm();
      return;
    }
    if (!queries) {
      this.io.counters.malformedMessages += 1;
      this.io.logger.debug({ line: line.text }, `${this.dialect.name}: packet line without its metadata line`);
      return;
    }
    this.schedule(async () => {
      const snrLine = await this.command(queries.snr);
      const measuredSnr = snrLine.kind === 'value' ? (parseInteger(snrLine.value) ?? 0) : 0;
      const measuredRssi = await this.queryRssi(queries.rssi);
      this.emit(line.payload, receivedAt, measuredRssi, measuredSnr);
      if (this.dialect.rearmAfterPacket) await this.command(this.dialect.arm());
    });
  }

  private async queryRssi(query: AtCommand): Promise<number> {
    if (this.rssiUnsupported) return 0;
    try {
      const line = await this.command(query);
      return line.kind === 'value' ? (parseInteger(line.value) ?? 0) : 0;
    } catch (error) {
      if (!(error instanceof DeviceReplyError)) throw error;
      // Firmware before 1.0.5 has no packet RSSI; frames then carry 0 dBm rather than nothing.
      this.rssiUnsupported = true;
      this.io.logger.warn(`${this.dialect.name}: the modem cannot report packet RSSI (firmware 1.0.5 or later needed); reporting 0 dBm`);
      return 0;
    }
  }

  private emit(payload: Buffer, receivedAt: number, rssi: number, snr: number): void {
    const { settings } = this.options;
    const frame: RadioFrame = {
      source: this.io.sourceId,
      receivedAt,
      frequency: settings.frequency,
      channel: 0,
      rfChain: 0,
      modulation: 'LORA',
      spreadingFactor: settings.spreadingFactor,
      bandwidth: settings.bandwidth,
      codeRate: '4/5',
      // These modems only report packets that passed the CRC check.
      crc: 'ok',
      rssi,
      snr,
      payload,
      // Host receive time: what a delayed downlink is timed from (best effort, see tx-plan.ts).
      context: hostTimeContext(receivedAt),
    };
    this.io.counters.frames += 1;
    this.io.emit(frame);
  }
}
