// gw.GatewayStats on `event/stats`: the radio counts of the interval since the last message sent
// (ChirpStack adds the messages up), the gateway's location (the packet forwarder's GPS position, else
// gateway.location), and our own numbers (version, uptime, outbox, drops and filtered frames by
// reason, source states) as metadata strings.
import type { Topics } from './topics.js';
import type { Marshaler } from './enums.js';
import { marshal } from './json.js';
import { toGatewayStats, type StatsLocation } from './uplink.js';
import type { RadioTally } from './radio-tally.js';

/** The part of the daemon snapshot the stats carry (ops/snapshot.ts DaemonSnapshot fits it). */
export interface GatewayStatsSource {
  version: string;
  now: number;
  uptimeMs: number;
  outbox: { depth: number; bytes: number; oldestAgeMs: number | null };
  drops: Record<string, number>;
  pipeline: { filtered?: { live: Partial<Record<string, number>>; batch: Partial<Record<string, number>> } };
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
  const filtered = s.pipeline.filtered;
  if (filtered) {
    for (const stream of ['live', 'batch'] as const) {
      for (const [reason, n] of Object.entries(filtered[stream])) metadata[`filtered_${stream}_${reason}`] = String(n ?? 0);
    }
  }
  for (const src of s.sources) metadata[`source_${src.id}`] = src.state;
  return metadata;
}

/** A packet forwarder `stat` position (lati, long, alti); 0/0 is what a forwarder without a fix sends. */
export function forwarderLocation(stat: { lati?: number; long?: number; alti?: number }): StatsLocation | undefined {
  if (stat.lati === undefined || stat.long === undefined) return undefined;
  if (stat.lati === 0 && stat.long === 0) return undefined;
  return { latitude: stat.lati, longitude: stat.long, altitude: stat.alti ?? 0, source: 'gps' };
}

export interface GatewayStatsOptions {
  gatewayId: string;
  marshaler: Marshaler;
  /** The hub client (not imported: the hub client itself uses this module's mappings). */
  hub: { readonly online: boolean; readonly topics: Pick<Topics, 'event'>; publish(topic: string, payload: Buffer, qos: 0): Promise<void> };
  tally: RadioTally;
  /** gateway.location from the configuration. */
  configuredLocation?: { latitude: number; longitude: number; altitude: number };
}

export class ChirpStackGatewayStats {
  private gpsLocation: StatsLocation | undefined;

  constructor(private readonly opts: GatewayStatsOptions) {}

  /** The latest position a packet forwarder reported in its `stat` (wins over gateway.location). */
  noteForwarderStat(stat: { lati?: number; long?: number; alti?: number }): void {
    const loc = forwarderLocation(stat);
    if (loc) this.gpsLocation = loc;
  }

  location(): StatsLocation | undefined {
    const c = this.opts.configuredLocation;
    return this.gpsLocation ?? (c ? { ...c, source: 'config' } : undefined);
  }

  /**
   * Published QoS 0 when connected, with the counts since the last published message; false when
   * not connected (the counts then wait for the next message, so no interval is lost or counted twice).
   */
  publish(s: GatewayStatsSource): boolean {
    const { hub, gatewayId, marshaler, tally } = this.opts;
    if (!hub.online) return false;
    const msg = toGatewayStats({ gatewayId, timeMs: s.now, location: this.location(), metadata: gatewayStatsMetadata(s), ...tally.take() });
    hub.publish(hub.topics.event('stats'), marshal(msg, marshaler), 0).catch(() => undefined);
    return true;
  }
}
