// gw.GatewayStats on `event/stats`: the frame counts ChirpStack knows, plus our own numbers (version,
// uptime, outbox, drops by reason, source states) as metadata strings.
import type { Topics } from './topics.js';
import type { Marshaler } from './enums.js';
import { marshal } from './json.js';
import { toGatewayStats } from './uplink.js';

/** The part of the daemon snapshot the stats carry (ops/snapshot.ts DaemonSnapshot fits it). */
export interface GatewayStatsSource {
  version: string;
  now: number;
  uptimeMs: number;
  pipeline: { received: number; crcOk: number };
  outbox: { depth: number; bytes: number; oldestAgeMs: number | null };
  drops: Record<string, number>;
  sources: ReadonlyArray<{ id: string; state: string }>;
}

export function gatewayStatsMetadata(s: GatewayStatsSource): Record<string, string> {
  const metadata: Record<string, string> = {
    version: s.version,
    uptime_s: String(Math.round(s.uptimeMs / 1000)),
    outbox_depth: String(s.outbox.depth),
    outbox_bytes: String(s.outbox.bytes),
    outbox_oldest_age_s: s.outbox.oldestAgeMs !== null ? String(Math.round(s.outbox.oldestAgeMs / 1000)) : '0',
  };
  for (const [reason, n] of Object.entries(s.drops)) metadata[`dropped_${reason}`] = String(n);
  for (const src of s.sources) metadata[`source_${src.id}`] = src.state;
  return metadata;
}

export class ChirpStackGatewayStats {
  constructor(
    private readonly gatewayId: string,
    private readonly marshaler: Marshaler,
    /** The hub client (not imported: the hub client itself uses this module's mappings). */
    private readonly hub: { readonly online: boolean; readonly topics: Pick<Topics, 'event'>; publish(topic: string, payload: Buffer, qos: 0): Promise<void> },
  ) {}

  /** Published QoS 0 when connected; false when not (stats are not worth keeping). */
  publish(s: GatewayStatsSource): boolean {
    if (!this.hub.online) return false;
    const msg = toGatewayStats({
      gatewayId: this.gatewayId,
      timeMs: s.now,
      rxReceived: s.pipeline.received,
      rxReceivedOk: s.pipeline.crcOk,
      txReceived: 0,
      txEmitted: 0,
      metadata: gatewayStatsMetadata(s),
    });
    this.hub.publish(this.hub.topics.event('stats'), marshal(msg, this.marshaler), 0).catch(() => undefined);
    return true;
  }
}
