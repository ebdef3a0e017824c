// The daemon's periodic work beside the ChirpStack gateway stats (mqtt/chirpstack/gateway-stats.ts):
// the daily summary line for technicians reading the journal, drops by reason, the version.
import { readFileSync } from 'node:fs';
import type { Logger } from '../log.js';
import type { Outbox } from '../outbox/outbox.js';
import type { HubClient } from '../mqtt/hub-client.js';
import type { UplinkPipeline } from '../pipeline/uplink-pipeline.js';
import { packagePath } from '../paths.js';

let version: string | undefined;
export function loraEdgeVersion(): string {
  version ??= (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
  return version;
}

export interface JobContext {
  logger: Logger;
  outbox: Outbox;
  hub: HubClient;
  pipeline: UplinkPipeline;
}

/** Drops by reason across the pipeline and the outbox, for stats, metrics and the summary. */
export function dropsByReason(ctx: Pick<JobContext, 'outbox' | 'pipeline'>): Record<string, number> {
  const out: Record<string, number> = { ...ctx.pipeline.counters.dropped };
  for (const [k, v] of Object.entries(ctx.outbox.stats().dropped)) if (v) out[`outbox_${k}`] = v;
  return out;
}

/** One line a technician can read in the journal: what the gateway did since the last summary. */
export function logDailySummary(ctx: JobContext, last: { received: number }): void {
  const p = ctx.pipeline;
  const o = ctx.outbox.stats();
  ctx.logger.info(
    {
      frames: p.counters.received - last.received,
      devicesSeen: p.takeDevicesSeen(),
      drops: dropsByReason(ctx),
      outboxDepth: o.depth,
      hub: ctx.hub.state(),
    },
    'daily summary',
  );
  last.received = p.counters.received;
}
