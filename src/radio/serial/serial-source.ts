// A RadioSource reading a serial-attached radio: the transport keeps the port open, a driver
// session per open speaks the device's protocol, and frames go to the handler given here.
import type { Logger } from '../../log.js';
import type { DownlinkCapable, TxRequest, TxStatus } from '../downlink.js';
import type { FrameHandler, RadioFrame, RadioSource } from '../radio-frame.js';
import type { AtDriverName } from './at/dialect.js';
import { AT_DIALECTS } from './at/dialects.js';
import { atModemDriver } from './at/driver.js';
import { DeviceUnusableError, SerialConfigError } from './errors.js';
import { type Semtech2g4ChannelConfig, resolveChannels } from './semtech-2g4/channels.js';
import { semtech2g4Driver } from './semtech-2g4/driver.js';
import { type DriverSession, type DriverSessionFactory, type SerialCounters, type SessionState, emptyCounters } from './session.js';
import { SerialTransport } from './transport.js';
import { IMPLAUSIBLE_COUNTER_PREFIX, checkRadioFrame, type RadioBand } from '../plausibility.js';

export type SerialDriverName = 'semtech-2g4' | AtDriverName;
export const SERIAL_DRIVERS: readonly SerialDriverName[] = ['semtech-2g4', 'lora-e5', 'rak3172', 'rn2483'];

export interface SerialSourceOptions {
  id: string;
  /** Device path; prefer a stable /dev/serial/by-id/... link. */
  path: string;
  /** Defaults per driver: semtech-2g4 115200, lora-e5 9600, rak3172 115200, rn2483 57600. */
  baudRate?: number;
  driver: SerialDriverName;
  logger: Logger;
  onFrame: FrameHandler;
  /** AT modems: receive frequency in Hz (required). */
  frequency?: number;
  /** AT modems: default 7. */
  spreadingFactor?: number;
  /** AT modems: Hz, default 125000. */
  bandwidth?: number;
  /** semtech-2g4: one entry per RX radio; default the ISM2400 channels 2403/2425/2479 MHz SF12 BW812.5k. */
  channels?: Semtech2g4ChannelConfig[];
  /** Tuning, mostly for tests. */
  commandTimeoutMs?: number;
  reopenInitialMs?: number;
  reopenMaxMs?: number;
  /** semtech-2g4: wait after RESET (default 500 ms as in the HAL). */
  resetSettleMs?: number;
  /** semtech-2g4: pause after an empty poll (default 10 ms). */
  pollIntervalMs?: number;
  /** semtech-2g4: a timestamped downlink must reach the MCU this long before it is due (default 10 ms). */
  txLeadMs?: number;
  /** AT modems: how long before a downlink is due the modem is switched to transmitting (default 300 ms). */
  txPrepareMs?: number;
}

const DEFAULT_BAUD: Record<SerialDriverName, number> = {
  'semtech-2g4': 115200,
  'lora-e5': AT_DIALECTS['lora-e5'].defaultBaudRate,
  rak3172: AT_DIALECTS.rak3172.defaultBaudRate,
  rn2483: AT_DIALECTS.rn2483.defaultBaudRate,
};

function buildDriver(options: SerialSourceOptions, baudRate: number): DriverSessionFactory {
  const where = `serial source ${options.id}`;
  if (options.driver === 'semtech-2g4') {
    return semtech2g4Driver({
      channels: resolveChannels(options.channels),
      commandTimeoutMs: options.commandTimeoutMs,
      resetSettleMs: options.resetSettleMs,
      pollIntervalMs: options.pollIntervalMs,
      txLeadMs: options.txLeadMs,
    });
  }
  const dialect = AT_DIALECTS[options.driver];
  const { frequency } = options;
  if (frequency === undefined) throw new SerialConfigError(`${where}: driver ${options.driver} needs 'frequency' (Hz)`);
  if (!Number.isInteger(frequency) || frequency < 137_000_000 || frequency > 1_020_000_000) {
    throw new SerialConfigError(`${where}: frequency ${frequency} is not a sub-GHz frequency in Hz (for example 868100000)`);
  }
  const spreadingFactor = options.spreadingFactor ?? 7;
  if (!dialect.spreadingFactors.includes(spreadingFactor)) {
    throw new SerialConfigError(`${where}: ${options.driver} supports spreading factors ${dialect.spreadingFactors.join(', ')}, not ${spreadingFactor}`);
  }
  const bandwidth = options.bandwidth ?? 125_000;
  if (!dialect.bandwidths.includes(bandwidth)) {
    throw new SerialConfigError(`${where}: ${options.driver} supports bandwidths ${dialect.bandwidths.join(', ')} Hz, not ${bandwidth}`);
  }
  return atModemDriver({
    dialect,
    settings: { frequency, spreadingFactor, bandwidth },
    commandTimeoutMs: options.commandTimeoutMs,
    baudRate,
    txPrepareMs: options.txPrepareMs,
  });
}

export class SerialSource implements RadioSource, DownlinkCapable {
  readonly id: string;
  private readonly logger: Logger;
  private readonly transport: SerialTransport;
  private readonly createSession: DriverSessionFactory;
  private readonly stats: SerialCounters = emptyCounters();
  private session: DriverSession | undefined;
  private sessionState: SessionState = 'configuring';
  private failure: string | undefined;
  private lifecycle: 'idle' | 'running' | 'stopped' = 'idle';
  /** Frames refused for impossible radio metadata, by reason (a confused MCU or modem firmware). */
  private readonly implausible: Record<string, number> = {};
  private readonly bands: readonly RadioBand[];

  /** @throws SerialConfigError when the settings cannot work. */
  constructor(private readonly options: SerialSourceOptions) {
    if (!SERIAL_DRIVERS.includes(options.driver)) {
      throw new SerialConfigError(`serial source ${options.id}: unknown driver '${options.driver}' (one of ${SERIAL_DRIVERS.join(', ')})`);
    }
    if (typeof options.path !== 'string' || options.path.length === 0) {
      throw new SerialConfigError(`serial source ${options.id}: 'path' is required`);
    }
    const baudRate = options.baudRate ?? DEFAULT_BAUD[options.driver];
    if (!Number.isInteger(baudRate) || baudRate <= 0) throw new SerialConfigError(`serial source ${options.id}: baudRate ${baudRate} is not a positive integer`);
    this.id = options.id;
    this.logger = options.logger.child({ source: options.id, driver: options.driver });
    this.createSession = buildDriver(options, baudRate);
    this.bands = options.driver === 'semtech-2g4' ? ['ism2400'] : ['eu868'];
    this.transport = new SerialTransport({
      path: options.path,
      baudRate,
      logger: this.logger,
      reopenInitialMs: options.reopenInitialMs,
      reopenMaxMs: options.reopenMaxMs,
      onOpen: () => this.startSession(),
      onData: (chunk) => this.session?.push(chunk),
      onClose: () => this.endSession(),
    });
  }

  /** Starts opening the port in the background; a missing device is retried, not an error. */
  async start(): Promise<void> {
    if (this.lifecycle !== 'idle') return;
    this.lifecycle = 'running';
    this.transport.start();
  }

  async stop(): Promise<void> {
    if (this.lifecycle === 'stopped') return;
    this.lifecycle = 'stopped';
    this.endSession();
    await this.transport.stop();
  }

  counters(): Record<string, number> {
    return { ...this.stats, reopens: this.transport.reopens, openFailures: this.transport.openFailures, ...this.implausible };
  }

  /**
   * DownlinkCapable: hands the frame to the driver of the current session (semtech-2g4: timed by
   * the MCU counter; AT modems: best effort on the host clock). Never throws.
   */
  async transmit(request: TxRequest): Promise<TxStatus> {
    const session = this.session;
    let status: TxStatus;
    if (!session || this.failure || this.lifecycle !== 'running') {
      this.logger.warn({ state: this.state() }, 'downlink not sent: the serial source is not receiving');
      status = 'INTERNAL_ERROR';
    } else {
      try {
        status = await session.transmit(request);
      } catch (error) {
        this.logger.error({ err: (error as Error).message }, 'downlink failed unexpectedly');
        status = 'INTERNAL_ERROR';
      }
    }
    if (status === 'OK') this.stats.txOk += 1;
    else this.stats.txFailed += 1;
    return status;
  }

  state(): string {
    if (this.failure) return `failed: ${this.failure}`;
    if (this.lifecycle !== 'running') return this.lifecycle;
    const transportState = this.transport.state;
    if (transportState === 'open') return this.session ? this.sessionState : 'configuring';
    return transportState === 'reopening' ? 'reopening' : 'opening';
  }

  private startSession(): void {
    this.endSession();
    if (this.failure || this.lifecycle !== 'running') return;
    this.sessionState = 'configuring';
    const session = this.createSession({
      sourceId: this.id,
      logger: this.logger,
      counters: this.stats,
      write: (data) => this.transport.write(data),
      emit: (frame) => this.deliver(frame),
      setState: (state) => {
        if (this.session === session) this.sessionState = state;
      },
      now: () => Date.now(),
    });
    this.session = session;
    session.run().catch((error: unknown) => {
      if (error instanceof DeviceUnusableError) void this.fail(error.message);
      else this.logger.error({ err: (error as Error).message }, 'serial driver stopped unexpectedly');
    });
  }

  private endSession(): void {
    const session = this.session;
    this.session = undefined;
    session?.close();
  }

  private deliver(frame: RadioFrame): void {
    const implausible = checkRadioFrame(frame, this.bands);
    if (implausible) {
      const key = `${IMPLAUSIBLE_COUNTER_PREFIX}${implausible.reason}`;
      if ((this.implausible[key] = (this.implausible[key] ?? 0) + 1) === 1) {
        this.logger.warn({ reason: implausible.reason, detail: implausible.detail }, 'frame with impossible radio metadata refused (further ones are counted)');
      }
      return;
    }
    try {
      this.options.onFrame(frame);
    } catch (error) {
      // A faulty consumer must not take the serial reader down with it.
      this.logger.error({ err: (error as Error).message }, 'frame handler threw');
    }
  }

  private async fail(reason: string): Promise<void> {
    if (this.failure) return;
    this.failure = reason;
    this.logger.error({ path: this.options.path }, `serial source failed: ${reason}`);
    this.endSession();
    await this.transport.stop();
  }
}
