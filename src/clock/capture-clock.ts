// The daemon's view of its own clock: polls the sync source (never on the uplink path), stamps each
// capture with the status last read, the boot id and the monotonic time, and corrects records
// captured unsynchronised once a synchronised moment in the same boot is known.
import type { Logger } from '../log.js';
import { monotonicMs, readBootId } from './boot.js';
import {
  correctCapture,
  type CaptureClockFields,
  type CaptureCorrection,
  type CaptureCorrector,
  type CaptureStamp,
  type SyncPoint,
} from './capture-stamp.js';
import type { ClockSyncSource } from './sync-source.js';
import { isoOfMs, msOfIso } from './iso-time.js';

/** The largest time a Date can hold (ECMAScript TimeClip). */
const MAX_DATE_MS = 8.64e15;

/** A jump of wall minus monotonic time larger than this between two polls is logged as a step. */
const STEP_LOG_MS = 1000;

export interface CaptureClockOptions {
  source: ClockSyncSource;
  pollIntervalMs: number;
  logger: Logger;
  /** Defaults: this machine's boot id, CLOCK_MONOTONIC and Date.now (tests substitute them). */
  bootId?: string | null;
  monotonicMs?: () => number;
  wallMs?: () => number;
}

export interface CaptureClockReport {
  syncSource: string;
  /** Status last read: true, false, or null (unknown). */
  synced: boolean | null;
  /** Why the status is unknown, when it is. */
  problem: string | null;
  bootId: string | null;
  /** Wall time (ms) when the clock was first seen synchronised in this run; null before. */
  syncedAt: number | null;
  /** The last step of the wall clock seen between two polls (ms, + forward), null when none. */
  lastStepMs: number | null;
  /** Non-zero only with a `file:` source carrying offsetMs (tests). */
  testOffsetMs: number;
}

export class CaptureClock implements CaptureCorrector {
  private synced: boolean | null = null;
  private problem: string | null = null;
  private problemLogged = false;
  private offsetMs = 0;
  private sync: SyncPoint | null = null;
  private syncedAt: number | null = null;
  private lastWallMinusMono: number | null = null;
  private lastStepMs: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  readonly bootId: string | null;
  private readonly mono: () => number;
  private readonly wall: () => number;

  constructor(private readonly opts: CaptureClockOptions) {
    this.bootId = opts.bootId === undefined ? readBootId() : opts.bootId;
    this.mono = opts.monotonicMs ?? monotonicMs;
    this.wall = opts.wallMs ?? Date.now;
  }

  /** Reads the status once (so the first records carry it), then every pollIntervalMs. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.opts.pollIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** One reading of the sync source; overlapping polls share one read. */
  poll(): Promise<void> {
    this.polling ??= this.readOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async readOnce(): Promise<void> {
    let reading;
    try {
      reading = await this.opts.source.read();
    } catch (err) {
      reading = { synced: null, offsetMs: 0, problem: (err as Error).message };
    }
    const log = this.opts.logger;
    if (reading.synced === null && !this.problemLogged) {
      this.problemLogged = true;
      log.warn({ syncSource: this.opts.source.name, problem: reading.problem }, 'clock: cannot tell whether the system clock is synchronised; records say clockSynced: null');
    }
    this.problem = reading.synced === null ? (reading.problem ?? 'unknown') : null;
    this.offsetMs = reading.offsetMs;
    const wallMinusMono = this.wall() + this.offsetMs - this.mono();
    if (this.lastWallMinusMono !== null && Math.abs(wallMinusMono - this.lastWallMinusMono) > STEP_LOG_MS) {
      this.lastStepMs = Math.round(wallMinusMono - this.lastWallMinusMono);
      log.info({ stepMs: this.lastStepMs }, 'clock: the system clock was stepped');
    }
    this.lastWallMinusMono = wallMinusMono;
    const was = this.synced;
    this.synced = reading.synced;
    if (reading.synced === true && this.bootId !== null) {
      // The latest synchronised moment is the best knowledge of true time for every earlier capture.
      this.sync = { bootId: this.bootId, wallMinusMonoMs: wallMinusMono };
    }
    if (reading.synced === true && was !== true) {
      this.syncedAt ??= this.wall() + this.offsetMs;
      log.info({ syncSource: this.opts.source.name }, 'clock: the system clock is synchronised; records captured before it in this boot are sent with a corrected capturedAt');
    } else if (reading.synced === false && was !== false) {
      log.warn({ syncSource: this.opts.source.name }, 'clock: the system clock is not synchronised; records say clockSynced: false and are corrected once it is');
    }
  }

  /** The stamp of a frame received at `receivedAtMs` (Date.now() then): status as last polled. */
  stamp(receivedAtMs: number): CaptureStamp {
    const sinceReceived = Math.max(0, this.wall() - receivedAtMs);
    return {
      capturedAt: isoOf(receivedAtMs + this.offsetMs, receivedAtMs),
      clockSynced: this.synced,
      bootId: this.bootId,
      monoMs: this.bootId === null ? null : Math.max(0, Math.round(this.mono() - sinceReceived)),
    };
  }

  correct(fields: Partial<CaptureClockFields>): CaptureCorrection {
    return correctCapture(fields, this.bootId, this.sync);
  }

  /** Unix ms of a record's capture: corrected when it can be, else its capturedAt as stamped. */
  captureTimeOf(record: Partial<CaptureClockFields> & { capturedAt: string }): number {
    const c = correctCapture(record, this.bootId, this.sync);
    return c.kind === 'corrected' ? c.capturedAtMs : msOfIso(record.capturedAt);
  }

  report(): CaptureClockReport {
    return {
      syncSource: this.opts.source.name,
      synced: this.synced,
      problem: this.problem,
      bootId: this.bootId,
      syncedAt: this.syncedAt,
      lastStepMs: this.lastStepMs,
      testOffsetMs: this.offsetMs,
    };
  }
}

/** A time as ISO; one Date cannot print (a test offset pushing it out of range) falls back to `fallbackMs`. */
function isoOf(ms: number, fallbackMs: number): string {
  return isoOfMs(Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? ms : fallbackMs);
}
