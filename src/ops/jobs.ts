// The daemon's periodic work: gateway stats for ChirpStack, the outbox retention sweep, and the
// daily summary line for technicians reading the journal.
import { readFileSync } from 'node:fs';
import type { Logger } from '../log.js';
import type { Outbox } from '../outbox/outbox.js';
import type { HubClient } from '../mqtt/hub-client.js';
import type { UplinkPipeline } from '../app/uplink-pipeline.js';
import type { RadioSource } from '../radio/radio-frame.js';
import { marshal, toGatewayStats, type Marshaler } from '../mqtt/chirpstack.js';
import { packagePath } from '../paths.js';

let version: string | undefined;
export function loraEdgeVersion(): string {
  version ??= (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
  return version;
}

export interface JobContext {
  gatewayId: string;
  marshaler: Marshaler;
  logger: Logger;
  outbox: Outbox;
  hub: HubClient;
  pipeline: UplinkPipeline;
  sources: readonly RadioSource[];
  startedAt: number;
  now?: () => number;
}

/** Drops by reason across the pipeline and the outbox, for stats, metrics and the summary. */
export function dropsByReason(ctx: Pick<JobContext, 'outbox' | 'pipeline'>): Record<string, number> {
  const out: Record<string, number> = { ...ctx.pipeline.stats.dropped };
  for (const [k, v] of Object.entries(ctx.outbox.stats().dropped)) if (v) out[`outbox_${k}`] = v;
  return out;
}

/** gw.GatewayStats with our extras in metadata; published QoS 0 when connected. */
export function publishGatewayStats(ctx: JobContext): boolean {
  const now = (ctx.now ?? Date.now)();
  const p = ctx.pipeline.stats;
  const o = ctx.outbox.stats();
  const metadata: Record<string, string> = {
    version: loraEdgeVersion(),
    uptime_s: String(Math.round((now - ctx.startedAt) / 1000)),
    outbox_depth: String(o.depth),
    outbox_bytes: String(o.bytes),
    outbox_oldest_age_s: o.oldestCapturedAt ? String(Math.round((now - Date.parse(o.oldestCapturedAt)) / 1000)) : '0',
  };
  for (const [reason, n] of Object.entries(dropsByReason(ctx))) metadata[`dropped_${reason}`] = String(n);
  for (const s of ctx.sources) metadata[`source_${s.id}`] = s.state();
  const msg = toGatewayStats({
    gatewayId: ctx.gatewayId,
    timeMs: now,
    rxReceived: p.received,
    rxReceivedOk: p.crcOk,
    txReceived: 0,
    txEmitted: 0,
    metadata,
  });
  if (!ctx.hub.online) return false;
  ctx.hub.publish(ctx.hub.topics.event('stats'), marshal(msg, ctx.marshaler), 0).catch(() => undefined);
  return true;
}

/** One line a technician can read in the journal: what the gateway did since the last summary. */
export function logDailySummary(ctx: JobContext, last: { received: number }): void {
  const p = ctx.pipeline;
  const o = ctx.outbox.stats();
  ctx.logger.info(
    {
      frames: p.stats.received - last.received,
      devicesSeen: p.takeDevicesSeen(),
      drops: dropsByReason(ctx),
      outboxDepth: o.depth,
      hub: ctx.hub.state(),
    },
    'daily summary',
  );
  last.received = p.stats.received;
}
