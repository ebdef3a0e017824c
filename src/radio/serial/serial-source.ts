// A RadioSource reading a serial-attached radio: the transport keeps the port open, a driver
// session per open speaks the device's protocol, and frames go to the handler given here.
import type { Logger } from '../../log.js';
import type { DownlinkCapable, TxRequest, TxStatus } from '../downlink.js';
import type { FrameHandler, RadioFrame, RadioSource } from '../radio-frame.js';
import { type AnySerialDriver, type SerialDriverName, type SerialDriverSettings, findSerialDriver, parseSerialDriverSettings, serialDriverNames } from './driver-registry.js';
import { DeviceUnusableError, SerialConfigError } from './errors.js';
import type { SerialDriverTuning } from './serial-driver.js';
import type { SerialPortAccess } from './serial-port.js';
import { type DriverSession, type DriverSessionFactory, type SerialCounters, type SessionState, emptyCounters } from './session.js';
import { SerialTransport } from './transport.js';
import { IMPLAUSIBLE_COUNTER_PREFIX, checkRadioFrame, type RadioBand } from '../plausibility.js';
import { ALWAYS_OPEN, type FrameDoor } from '../frame-door.js';

export type { SerialDriverName } from './driver-registry.js';

/** The driver's own keys (frequency, channels, ...) are those of its registry entry: SerialDriverSettings. */
export interface SerialSourceOptions extends SerialDriverSettings, SerialDriverTuning {
  id: string;
  /** Device path; prefer a stable /dev/serial/by-id/... link. */
  path: string;
  /** Defaults to the driver's (its registry entry). */
  baudRate?: number;
  driver: SerialDriverName;
  logger: Logger;
  onFrame: FrameHandler;
  /** Tuning, mostly for tests. */
  reopenInitialMs?: number;
  reopenMaxMs?: number;
  /** Where ports come from: real ttys by default; tests pass an in-memory one. */
  ports?: SerialPortAccess;
  /** Back-pressure: while closed, frames are refused before the pipeline (counted as frames_refused). */
  door?: FrameDoor;
}

/** The driver's session factory; a setting that cannot work throws, naming it. */
function buildDriverSession(driver: AnySerialDriver, options: SerialSourceOptions, baudRate: number): DriverSessionFactory {
  const where = `serial source ${options.id}`;
  const given = options as unknown as Record<string, unknown>;
  const values: Record<string, unknown> = { ...driver.codeDefaults };
  for (const key of Object.keys(driver.settings.shape)) if (given[key] !== undefined) values[key] = given[key];
  const parsed = parseSerialDriverSettings(driver, values);
  if (!parsed.ok) {
    const first = parsed.problems[0]!;
    throw new SerialConfigError(first.missing ? `${where}: driver ${driver.name} needs '${String(first.path[0])}'` : `${where}: ${first.message}`);
  }
  return driver.create(parsed.settings, { baudRate, tuning: options });
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
  private framesRefused = 0;

  /** @throws SerialConfigError when the settings cannot work. */
  constructor(private readonly options: SerialSourceOptions) {
    const driver = findSerialDriver(options.driver);
    if (!driver) {
      throw new SerialConfigError(`serial source ${options.id}: unknown driver '${options.driver}' (one of ${serialDriverNames.join(', ')})`);
    }
    if (typeof options.path !== 'string' || options.path.length === 0) {
      throw new SerialConfigError(`serial source ${options.id}: 'path' is required`);
    }
    const baudRate = options.baudRate ?? driver.defaultBaudRate;
    if (!Number.isInteger(baudRate) || baudRate <= 0) throw new SerialConfigError(`serial source ${options.id}: baudRate ${baudRate} is not a positive integer`);
    this.id = options.id;
    this.logger = options.logger.child({ source: options.id, driver: options.driver });
    this.createSession = buildDriverSession(driver, options, baudRate);
    this.bands = driver.bands;
    this.transport = new SerialTransport({
      path: options.path,
      baudRate,
      logger: this.logger,
      reopenInitialMs: options.reopenInitialMs,
      reopenMaxMs: options.reopenMaxMs,
      onOpen: () => this.startSession(),
      onData: (chunk) => this.session?.push(chunk),
      onClose: () => this.endSession(),
      ports: options.ports,
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
    return { ...this.stats, reopens: this.transport.reopens, openFailures: this.transport.openFailures, ...this.implausible, frames_refused: this.framesRefused };
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
    const door = this.options.door ?? ALWAYS_OPEN;
    if (!door.open) {
      this.framesRefused += 1;
      door.refused(this.id, 1);
      return;
    }
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
