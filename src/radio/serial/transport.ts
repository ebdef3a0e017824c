// Keeps one serial port open by path: opens it, and when the device disappears (USB unplugged,
// port error) or is not there yet, tries again with back-off (250 ms doubling to 5 s) for as long
// as the source runs. Never throws at the caller; every state change is logged once.
import type { Logger } from '../../log.js';
import { PortClosedError } from './errors.js';
import { type OpenProblem, problemFromOpenError, problemFromPathFacts } from './open-problems.js';
import { type PortCloseError, type SerialPortAccess, type SerialPortLike, systemSerialPorts } from './serial-port.js';

export type TransportState = 'idle' | 'opening' | 'open' | 'reopening' | 'stopped';

export interface SerialTransportOptions {
  path: string;
  baudRate: number;
  logger: Logger;
  /** The port is open and writable (called after every successful open). */
  onOpen: () => void;
  onData: (chunk: Buffer) => void;
  /** The port was lost (not called for stop()). */
  onClose: (reason: string) => void;
  reopenInitialMs?: number;
  reopenMaxMs?: number;
  /** How often to check, while open, that the path still leads to the same device (default 1000 ms). */
  presenceCheckMs?: number;
  /** Where ports come from: real ttys by default; tests pass an in-memory one. */
  ports?: SerialPortAccess;
}

export class SerialTransport {
  private current: TransportState = 'idle';
  private port: SerialPortLike | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attemptInFlight: Promise<void> | undefined;
  private nextDelayMs: number;
  private everOpened = false;
  private lastProblem: OpenProblem | undefined;
  private reopenCount = 0;
  private failureCount = 0;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private presenceTimer: NodeJS.Timeout | undefined;
  private readonly closeRequested = new WeakSet<SerialPortLike>();
  private lostReason: string | undefined;
  private readonly ports: SerialPortAccess;

  constructor(private readonly options: SerialTransportOptions) {
    this.ports = options.ports ?? systemSerialPorts;
    this.initialDelayMs = options.reopenInitialMs ?? 250;
    this.maxDelayMs = options.reopenMaxMs ?? 5000;
    this.nextDelayMs = this.initialDelayMs;
  }

  get state(): TransportState {
    return this.current;
  }

  /** Successful opens after the port had been lost. */
  get reopens(): number {
    return this.reopenCount;
  }

  get openFailures(): number {
    return this.failureCount;
  }

  /** Why the last open attempt failed, while the port is not open. */
  get problem(): OpenProblem | undefined {
    return this.current === 'open' ? undefined : this.lastProblem;
  }

  /** Starts opening in the background; failures are retried, never thrown. */
  start(): void {
    if (this.current !== 'idle') return;
    this.setState('opening');
    this.runAttempt();
  }

  async stop(): Promise<void> {
    if (this.current === 'stopped') return;
    this.setState('stopped');
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearInterval(this.presenceTimer);
    this.presenceTimer = undefined;
    await this.attemptInFlight;
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  write(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port || !port.isOpen) return Promise.reject(new PortClosedError());
    return new Promise((resolve, reject) => {
      port.write(data, (error) => (error ? reject(new PortClosedError(`write failed: ${error.message}`)) : resolve()));
    });
  }

  // A method rather than a field test: the state changes across awaits, which narrowing ignores.
  private stopped(): boolean {
    return this.current === 'stopped';
  }

  private setState(state: TransportState): void {
    if (this.current === state) return;
    this.current = state;
    this.options.logger.debug({ path: this.options.path, state }, 'serial transport state');
  }

  private runAttempt(): void {
    this.retryTimer = undefined;
    this.attemptInFlight = this.attempt().finally(() => {
      this.attemptInFlight = undefined;
    });
  }

  private async attempt(): Promise<void> {
    const { path, baudRate } = this.options;
    const facts = await this.ports.inspect(path);
    if (this.stopped()) return;
    const early = problemFromPathFacts(path, facts);
    if (early) return this.attemptFailed(early);

    const port = this.ports.create({ path, baudRate });
    const openError = await new Promise<Error | null>((resolve) => port.open((error) => resolve(error ?? null)));
    if (this.stopped()) {
      if (!openError) await new Promise<void>((resolve) => port.close(() => resolve()));
      return;
    }
    if (openError) return this.attemptFailed(problemFromOpenError(path, openError.message));
    const device = (await this.ports.deviceNode(path)) ?? undefined;
    if (this.stopped()) {
      await new Promise<void>((resolve) => port.close(() => resolve()));
      return;
    }
    this.opened(port, device);
  }

  private opened(port: SerialPortLike, device: number | undefined): void {
    const { path, logger } = this.options;
    if (this.everOpened) this.reopenCount += 1;
    this.everOpened = true;
    this.nextDelayMs = this.initialDelayMs;
    this.lastProblem = undefined;
    this.port = port;
    port.on('data', (chunk: Buffer) => this.options.onData(chunk));
    port.on('close', (error?: PortCloseError) => this.lost(port, error));
    port.on('error', (error: Error) => {
      logger.warn({ path, err: error.message }, 'serial port error; closing it to reopen');
      this.drop(port, error.message);
    });
    this.setState('open');
    logger.info({ path, baudRate: this.options.baudRate }, 'serial port open');
    this.watchPresence(port, device);
    this.options.onOpen();
  }

  /**
   * A read on a vanished device does not always fail (a pty whose master died can stay silent),
   * so the path is checked too: gone, or now another device node, means the port is lost.
   */
  private watchPresence(port: SerialPortLike, device: number | undefined): void {
    clearInterval(this.presenceTimer);
    this.presenceTimer = setInterval(() => {
      void this.ports
        .deviceNode(this.options.path)
        .then((node) =>
          node === null ? 'device path vanished' : device !== undefined && node !== device ? 'device path now leads to another device' : undefined,
        )
        .then((reason) => {
          if (reason && port === this.port) this.drop(port, reason);
        });
    }, this.options.presenceCheckMs ?? 1000);
  }

  /** Closes a port that went bad; if closing fails too, gives it up without waiting for 'close'. */
  private drop(port: SerialPortLike, reason: string): void {
    if (port !== this.port) return;
    this.lostReason ??= reason;
    if (port.isOpen && !this.closeRequested.has(port)) {
      this.closeRequested.add(port);
      port.close();
    } else {
      this.lost(port);
    }
  }

  private lost(port: SerialPortLike, error?: PortCloseError): void {
    if (port !== this.port) return;
    this.port = undefined;
    clearInterval(this.presenceTimer);
    this.presenceTimer = undefined;
    port.removeAllListeners('data');
    if (this.current === 'stopped') return;
    const reason = this.lostReason ?? (error?.disconnected ? 'device disconnected' : error ? error.message : 'port closed');
    this.lostReason = undefined;
    this.options.logger.warn({ path: this.options.path, reason }, 'serial port lost; reopening');
    this.setState('reopening');
    this.options.onClose(reason);
    this.scheduleRetry();
  }

  private attemptFailed(problem: OpenProblem): void {
    this.failureCount += 1;
    const { logger, path } = this.options;
    // One log line per distinct problem, not one per retry.
    if (problem.kind !== this.lastProblem?.kind) {
      const fatalLooking = problem.kind === 'permission' || problem.kind === 'not-a-tty';
      if (fatalLooking) logger.error({ path }, problem.message);
      else logger.warn({ path }, problem.message);
    } else {
      logger.debug({ path, problem: problem.kind }, 'serial port still unavailable');
    }
    this.lastProblem = problem;
    this.setState(this.everOpened ? 'reopening' : 'opening');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.current === 'stopped') return;
    const delay = this.nextDelayMs;
    this.nextDelayMs = Math.min(delay * 2, this.maxDelayMs);
    this.retryTimer = setTimeout(() => this.runAttempt(), delay);
  }
}
