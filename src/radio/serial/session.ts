// What a protocol driver gets from SerialSource for one period of the port being open, and what it
// gives back. A new session starts on every (re)open, so no protocol state survives a reconnect.
import type { Logger } from '../../log.js';
import type { TxRequest, TxStatus } from '../downlink.js';
import type { RadioFrame } from '../radio-frame.js';
import { PortClosedError } from './errors.js';

/** Counters every serial source reports; the keys are stable (metrics names are derived from them). */
export interface SerialCounters {
  frames: number;
  /** Noise bytes skipped by the framer (binary) or dropped with overlong lines (text). */
  discardedBytes: number;
  oversizedFrames: number;
  overlongLines: number;
  /** Frames or lines that framed fine but did not decode. */
  malformedMessages: number;
  /** Well-formed messages nobody was waiting for. */
  unexpectedMessages: number;
  commandTimeouts: number;
  /** Times a configure sequence was started again after trouble. */
  reconfigures: number;
  /** Successful re-opens after the port was lost. */
  reopens: number;
  openFailures: number;
  writeErrors: number;
  /** Receptions the device reported as failed (radio_err, RXP2P RECEIVE ERROR). */
  rxErrors: number;
  /** Messages the 2.4 GHz MCU says it dropped (FIFO overflow). */
  lostMessages: number;
  /** Bad-CRC packets the 2.4 GHz MCU counted (they are never delivered). */
  crcErrors: number;
  /** Downlinks the radio reported sent, and those that were refused or failed. */
  txOk: number;
  txFailed: number;
}

export function emptyCounters(): SerialCounters {
  return {
    frames: 0,
    discardedBytes: 0,
    oversizedFrames: 0,
    overlongLines: 0,
    malformedMessages: 0,
    unexpectedMessages: 0,
    commandTimeouts: 0,
    reconfigures: 0,
    reopens: 0,
    openFailures: 0,
    writeErrors: 0,
    rxErrors: 0,
    lostMessages: 0,
    crcErrors: 0,
    txOk: 0,
    txFailed: 0,
  };
}

export type SessionState = 'configuring' | 'receiving';

export interface SessionIo {
  readonly sourceId: string;
  readonly logger: Logger;
  readonly counters: SerialCounters;
  /** Writes to the port; rejects with PortClosedError when it is gone. */
  write(data: Buffer): Promise<void>;
  /** Delivers one received frame downstream. */
  emit(frame: RadioFrame): void;
  setState(state: SessionState): void;
  /** Host clock in ms since the epoch (injectable for tests). */
  now(): number;
}

export interface DriverSession {
  /**
   * Configures the device and keeps it receiving until close(). Resolves when the session ends;
   * rejects only with DeviceUnusableError (the source then goes to `failed`).
   */
  run(): Promise<void>;
  /** Bytes read from the port. */
  push(chunk: Buffer): void;
  /** Ends the session: cancels pending commands and timers. Idempotent. */
  close(): void;
  /** Puts one frame on air and resolves with the outcome; never rejects. */
  transmit(request: TxRequest): Promise<TxStatus>;
}

export type DriverSessionFactory = (io: SessionIo) => DriverSession;

/**
 * Timers and waits that all end when the session closes, so a closed session never leaves a
 * handle behind and never touches the port again.
 */
export class SessionLifetime {
  private closedFlag = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wakers = new Set<() => void>();

  get closed(): boolean {
    return this.closedFlag;
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  /** Resolves after `ms`, or at once when the session closes (callers check `closed`). */
  sleep(ms: number): Promise<void> {
    if (this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.timers.add(timer);
      this.wakers.add(wake);
    });
  }

  /** Throws PortClosedError when the session has ended; used between steps of a sequence. */
  check(): void {
    if (this.closedFlag) throw new PortClosedError('session closed');
  }
}

/** Back-off between configure attempts: 250 ms doubling to 5 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** Math.max(0, attempt - 1), 5000);
}
