// The one gate every downlink passes before a radio emits it, whoever asked (network server or edge
// mode): the frame must be on an EU868 frequency we may use, at a legal power, within the
// sub-band's duty cycle, and the chosen source must be able to transmit. Every outcome is a TxStatus.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from '../log.js';
import { canTransmit, type DownlinkCapable, type TxRequest, type TxStatus } from '../radio/downlink.js';
import type { RadioSource } from '../radio/radio-frame.js';
import { DutyCycleLedger, airtimeMs, channelHalfWidth, fskAirtimeMs, subBandOfChannel, transmittedLoraPreamble } from '../lorawan/region-eu868.js';

export interface TransmitGateOptions {
  sources: readonly RadioSource[];
  /** Refuse frames that would exceed the sub-band duty cycle (DUTY_CYCLE_OVERFLOW). */
  dutyCycle: boolean;
  /** Configured ceiling, dBm EIRP; the legal sub-band limit applies as well. */
  maxTxPower: number;
  logger: Logger;
  now?: () => number;
  /**
   * File that keeps the last hour's airtime across restarts (a daemon restarting in a loop must not
   * get a fresh duty-cycle budget each time). Saved every 30 s and at close().
   */
  statePath?: string;
}

/**
 * What the senders of downlinks (network-server downlinks, edge mode) use of the gate; the daemon
 * hands them the gate wrapped so each outcome is also counted (countingTransmissions).
 */
export type TransmitPath = Pick<TransmitGate, 'send' | 'defaultSourceIndex'>;

/** The EU863-870 band: anything outside is never transmitted. */
const BAND_LOW_HZ = 863_000_000;
const BAND_HIGH_HZ = 870_000_000;

export type TransmitGateCounters = {
  sent: number;
  byStatus: Record<string, number>;
  dutyCycle: ReturnType<DutyCycleLedger['usage']>;
};

export class TransmitGate {
  private readonly sources: readonly RadioSource[];
  private readonly dutyCycle: boolean;
  private readonly maxTxPower: number;
  private readonly logger: Logger;
  private readonly ledger: DutyCycleLedger;
  private readonly byStatus: Record<string, number> = {};
  private sent = 0;
  /** Sub-bands currently refusing for duty cycle: logged once when an episode starts, once when it ends. */
  private readonly overflowing = new Set<string>();

  constructor(opts: TransmitGateOptions) {
    this.sources = opts.sources;
    this.dutyCycle = opts.dutyCycle;
    this.maxTxPower = opts.maxTxPower;
    this.logger = opts.logger;
    this.ledger = new DutyCycleLedger({ now: opts.now });
    this.statePath = opts.statePath;
    if (this.statePath) {
      this.loadState(this.statePath);
      this.saveTimer = setInterval(() => this.saveState(), 30_000);
      this.saveTimer.unref();
    }
  }

  private readonly statePath: string | undefined;
  private saveTimer: NodeJS.Timeout | undefined;

  private loadState(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn({ path, err: (err as Error).message }, 'cannot read the saved duty-cycle airtime');
      return;
    }
    try {
      const entries = JSON.parse(text) as unknown;
      if (!Array.isArray(entries)) throw new Error('not a list');
      const restored = this.ledger.restore(entries as Array<{ band: string; at: number; airtimeMs: number }>);
      if (restored) this.logger.info({ transmissions: restored }, 'duty-cycle airtime of the last hour restored');
    } catch (err) {
      this.logger.warn({ path, err: (err as Error).message }, 'saved duty-cycle airtime is unreadable; starting from none');
    }
  }

  /** Writes the airtime still inside the window (atomically: a crash leaves the old file). */
  saveState(): void {
    if (!this.statePath) return;
    const tmp = `${this.statePath}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(this.ledger.entries()));
      renameSync(tmp, this.statePath);
    } catch (err) {
      this.logger.warn({ path: this.statePath, err: (err as Error).message }, 'cannot save the duty-cycle airtime');
    }
  }

  /** Saves the airtime and stops the periodic save. */
  close(): void {
    if (this.saveTimer) clearInterval(this.saveTimer);
    this.saveTimer = undefined;
    this.saveState();
  }

  /**
   * Checks the request and hands it to the source. Order: source able to transmit (INTERNAL_ERROR),
   * request well-formed (INTERNAL_ERROR), frequency (TX_FREQ), power (TX_POWER: refused, never
   * clamped), duty cycle (DUTY_CYCLE_OVERFLOW), then whatever the radio reports. Never throws.
   */
  async send(sourceIndex: number, request: TxRequest): Promise<TxStatus> {
    const status = await this.check(sourceIndex, request);
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    if (status === 'OK') this.sent++;
    return status;
  }

  /** First source that can transmit (class C and other downlinks without an uplink context). */
  defaultSourceIndex(): number | undefined {
    const index = this.sources.findIndex((s) => canTransmit(s));
    return index >= 0 ? index : undefined;
  }

  counters(): TransmitGateCounters {
    return { sent: this.sent, byStatus: { ...this.byStatus }, dutyCycle: this.ledger.usage() };
  }

  private async check(sourceIndex: number, request: TxRequest): Promise<TxStatus> {
    const source = this.sources[sourceIndex];
    if (!source || !canTransmit(source)) {
      this.logger.warn({ sourceIndex }, source ? `source ${source.id} cannot transmit` : `no radio source #${sourceIndex}`);
      return 'INTERNAL_ERROR';
    }
    const airtime = requestAirtimeMs(request);
    if (typeof airtime === 'string') {
      this.logger.warn({ source: source.id, reason: airtime }, 'downlink refused: malformed request');
      return 'INTERNAL_ERROR';
    }
    const { frequency, power } = request;
    // The whole channel (centre ± half its bandwidth) must lie inside one sub-band, not only its centre.
    const halfWidth = channelHalfWidth(request) ?? 0;
    const subBand = Number.isFinite(frequency) && frequency >= BAND_LOW_HZ && frequency < BAND_HIGH_HZ ? subBandOfChannel(frequency, halfWidth) : undefined;
    if (subBand === undefined) {
      this.logger.warn({ source: source.id, frequency, halfWidth }, 'downlink refused: the channel is not inside one usable EU868 sub-band');
      return 'TX_FREQ';
    }
    const powerLimit = Math.min(this.maxTxPower, subBand.maxEirpDbm);
    if (!Number.isFinite(power) || power > powerLimit) {
      this.logger.warn({ source: source.id, frequency, power, powerLimit }, 'downlink refused: power above the limit');
      return 'TX_POWER';
    }
    if (this.dutyCycle && !this.ledger.tryConsume(frequency, airtime)) {
      this.noteOverflow(frequency, airtime);
      return 'DUTY_CYCLE_OVERFLOW';
    }
    if (this.dutyCycle) this.noteOverflowEnded(frequency);
    const status = await transmitSafely(source, request);
    // Nothing went on air, so the reserved airtime goes back to the sub-band.
    if (status !== 'OK' && this.dutyCycle) this.ledger.release(frequency, airtime);
    if (status !== 'OK') this.logger.info({ source: source.id, status }, 'downlink not transmitted');
    return status;
  }

  private noteOverflow(frequency: number, airtime: number): void {
    const band = this.ledger.subBandOf(frequency)?.name ?? String(frequency);
    if (this.overflowing.has(band)) return;
    this.overflowing.add(band);
    this.logger.warn(
      { subBand: band, airtimeMs: Math.round(airtime), usage: this.ledger.usage().find((u) => u.name === band) },
      'duty cycle exhausted: refusing downlinks on this sub-band until airtime frees up',
    );
  }

  private noteOverflowEnded(frequency: number): void {
    const band = this.ledger.subBandOf(frequency)?.name;
    if (band === undefined || !this.overflowing.delete(band)) return;
    this.logger.info({ subBand: band }, 'duty cycle available again');
  }
}

/** Time on air in ms, or the reason the request cannot be transmitted as given. */
export function requestAirtimeMs(request: TxRequest): number | string {
  if (!Buffer.isBuffer(request.payload) || request.payload.length === 0 || request.payload.length > 255) {
    return 'payload must be 1..255 bytes';
  }
  try {
    if (request.modulation === 'LORA') {
      if (request.spreadingFactor === undefined || request.bandwidth === undefined) {
        return 'LoRa downlink without spreading factor or bandwidth';
      }
      // Counted with the payload CRC: LoRaWAN downlinks need none, but the Semtech forwarder keeps it
      // on unless told otherwise, and over-counting never breaks the law where under-counting could.
      // The forwarder pads a short preamble to 6 symbols: count what goes on air, not what was asked.
      return airtimeMs(request.payload.length, request.spreadingFactor, request.bandwidth, request.codeRate ?? '4/5', transmittedLoraPreamble(request.preamble));
    }
    if (request.modulation === 'FSK') {
      if (request.fskDatarate === undefined) return 'FSK downlink without a data rate';
      return fskAirtimeMs(request.payload.length, request.fskDatarate);
    }
    return `unknown modulation ${String(request.modulation)}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function transmitSafely(source: DownlinkCapable, request: TxRequest): Promise<TxStatus> {
  try {
    return await source.transmit(request);
  } catch {
    // The contract says transmit never throws; a source that does gets the generic status.
    return 'INTERNAL_ERROR';
  }
}
