// Network-server downlinks (ChirpStack `command/down`): each gw.DownlinkFrame item becomes a
// TxRequest for the radio source named in its context; items are tried in order until one is
// transmitted, and one gw.DownlinkTxAck reports a status per item. Nothing here throws.
import type { Logger } from '../../log.js';
import { parseDownlinkFrame, toDownlinkTxAck, type DownlinkItemSpec } from './downlink.js';
import type { Marshaler } from './enums.js';
import { marshal } from './json.js';
import type { TxRequest, TxStatus, TxTiming } from '../../radio/downlink.js';
import { unwrapContext } from './source-context.js';
import type { TransmitPath } from '../../downlink/transmit-gate.js';

export interface NetworkServerDownlinksOptions {
  /** This gateway's id (16 hex digits), as in the MQTT topics. */
  gatewayId: string;
  /** How the DownlinkTxAck is encoded (incoming frames are sniffed: JSON when they start with `{`). */
  marshaler: Marshaler;
  scheduler: TransmitPath;
  /** Publishes the encoded gw.DownlinkTxAck on `<prefix>/gateway/<id>/event/ack`. */
  publishAck: (payload: Buffer) => void;
  logger: Logger;
}

export type NsDownlinkCounter =
  | 'framesReceived'
  | 'framesMalformed'
  | 'framesOtherGateway'
  | 'framesSent'
  | 'framesNotSent'
  | 'itemsTried'
  | 'acksPublished'
  | 'ackPublishErrors';

/** An item ready for the scheduler, or the status it gets without being tried on a radio. */
export type PlannedItem = { sourceIndex: number; request: TxRequest } | { status: TxStatus; reason: string };

export class NetworkServerDownlinks {
  private readonly opts: NetworkServerDownlinksOptions;
  private readonly gatewayId: string;
  private readonly counts: Record<NsDownlinkCounter, number> = {
    framesReceived: 0,
    framesMalformed: 0,
    framesOtherGateway: 0,
    framesSent: 0,
    framesNotSent: 0,
    itemsTried: 0,
    acksPublished: 0,
    ackPublishErrors: 0,
  };

  constructor(opts: NetworkServerDownlinksOptions) {
    this.opts = opts;
    this.gatewayId = opts.gatewayId.toLowerCase();
  }

  counters(): Record<NsDownlinkCounter, number> {
    return { ...this.counts };
  }

  /** Handles one `command/down` payload. Resolves once the DownlinkTxAck is published (or the frame refused). */
  async handle(payload: Buffer): Promise<void> {
    try {
      await this.handleFrame(payload);
    } catch (err) {
      // Only a bug can land here; the daemon keeps running and the frame is counted as not sent.
      this.counts.framesNotSent++;
      this.opts.logger.error({ err }, 'network-server downlink failed unexpectedly');
    }
  }

  private async handleFrame(payload: Buffer): Promise<void> {
    this.counts.framesReceived++;
    const parsed = parseDownlinkFrame(payload);
    if (!parsed.ok) {
      this.counts.framesMalformed++;
      this.opts.logger.warn({ format: parsed.format, reason: parsed.reason, bytes: payload.length }, 'malformed command/down ignored');
      return;
    }
    const frame = parsed.frame;
    const addressedTo = frame.gatewayId.toLowerCase();
    if (addressedTo !== '' && addressedTo !== this.gatewayId) {
      // Transmitting would answer for another gateway; an ack would claim its downlink on our topic.
      this.counts.framesOtherGateway++;
      this.opts.logger.warn(
        { downlinkId: frame.downlinkId, addressedTo, gatewayId: this.gatewayId },
        'command/down for another gateway refused',
      );
      return;
    }

    const statuses: TxStatus[] = frame.items.map(() => 'IGNORED');
    let sent = false;
    for (let i = 0; i < frame.items.length && !sent; i++) {
      const planned = planItem(frame.items[i], () => this.opts.scheduler.defaultSourceIndex());
      if ('status' in planned) {
        statuses[i] = planned.status;
        this.opts.logger.warn({ downlinkId: frame.downlinkId, item: i, reason: planned.reason }, 'downlink item not transmittable');
        continue;
      }
      this.counts.itemsTried++;
      statuses[i] = await this.opts.scheduler.send(planned.sourceIndex, planned.request);
      sent = statuses[i] === 'OK';
    }
    this.counts[sent ? 'framesSent' : 'framesNotSent']++;
    this.opts.logger.debug({ downlinkId: frame.downlinkId, statuses }, 'network-server downlink done');
    this.publish(frame.downlinkId, statuses);
  }

  private publish(downlinkId: number, statuses: TxStatus[]): void {
    try {
      const ack = toDownlinkTxAck({ gatewayId: this.gatewayId, downlinkId, statuses });
      this.opts.publishAck(marshal(ack, this.opts.marshaler));
      this.counts.acksPublished++;
    } catch (err) {
      this.counts.ackPublishErrors++;
      this.opts.logger.warn({ err, downlinkId }, 'could not publish DownlinkTxAck');
    }
  }
}

/**
 * Turns one DownlinkFrame item into a scheduler call. The context is ours ([source index][source
 * context]); downlinks without one (class C, class B) go to the first source that can transmit.
 */
export function planItem(item: DownlinkItemSpec, defaultSourceIndex: () => number | undefined): PlannedItem {
  const tx = item.txInfo;
  if (!tx) return { status: 'INTERNAL_ERROR', reason: 'item has no tx_info (legacy tx_info is not supported)' };
  if (item.phyPayload.length === 0) return { status: 'INTERNAL_ERROR', reason: 'item has an empty phy_payload' };
  const m = tx.modulation;
  if (!m) return { status: 'INTERNAL_ERROR', reason: 'item has no modulation' };
  if (m.kind === 'LR_FHSS') return { status: 'INTERNAL_ERROR', reason: 'LR-FHSS downlinks are not supported' };
  if (!tx.timing) return { status: 'INTERNAL_ERROR', reason: 'item has no timing' };

  const context = tx.context.length ? unwrapContext(tx.context) : undefined;
  let timing: TxTiming;
  if (tx.timing.kind === 'delay') {
    if (!context) return { status: 'INTERNAL_ERROR', reason: 'delay timing without an uplink context' };
    timing = { kind: 'delay', context: context.context, delayMs: tx.timing.delayMs };
  } else if (tx.timing.kind === 'gps') {
    // Concentrators schedule GPS downlinks in whole ms.
    timing = { kind: 'gps', gpsTimeMs: Math.round(tx.timing.gpsTimeMs) };
  } else {
    timing = { kind: 'immediate' };
  }
  const sourceIndex = context?.sourceIndex ?? defaultSourceIndex();
  if (sourceIndex === undefined) return { status: 'INTERNAL_ERROR', reason: 'no radio source can transmit' };

  const request: TxRequest =
    m.kind === 'LORA'
      ? {
          payload: item.phyPayload,
          frequency: tx.frequency,
          modulation: 'LORA',
          spreadingFactor: m.spreadingFactor,
          bandwidth: m.bandwidth,
          codeRate: m.codeRate ?? '4/5',
          power: tx.power,
          polarizationInversion: m.polarizationInversion,
          timing,
        }
      : {
          payload: item.phyPayload,
          frequency: tx.frequency,
          modulation: 'FSK',
          fskDatarate: m.datarate,
          power: tx.power,
          polarizationInversion: false,
          timing,
        };
  if (m.kind === 'LORA' && m.preamble > 0) request.preamble = m.preamble;
  return { sourceIndex, request };
}
