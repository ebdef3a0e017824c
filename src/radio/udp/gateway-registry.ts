// The packet forwarders a UDP source has heard from: where each one's downlinks go (the address
// its PULL_DATA came from), its latest stat, and which gateway reported each recent uplink tmst.
// Anyone can send any EUI, so every table is bounded in entries and age.
import type dgram from 'node:dgram';
import { BoundedMap } from '../../bounded-map.js';
import type { PullDataPacket } from './datagram.js';
import type { ProtocolVersion } from './gwmp.js';
import type { GatewayStat } from './stat.js';

export interface DownlinkTarget {
  gatewayEui: string;
  address: string;
  port: number;
  version: ProtocolVersion;
  /** ms since the epoch of the latest PULL_DATA from this gateway. */
  lastPullAt: number;
}

export interface StatReport {
  gatewayEui: string;
  receivedAt: number;
  stat: GatewayStat;
}

/**
 * Recent uplink tmst values and the gateway that reported each, so a delayed downlink goes back to
 * it: at least the last TMST_OWNERS_KEPT, at most twice as many (two generations).
 */
export const TMST_OWNERS_KEPT = 1024;
/**
 * Gateways remembered (downlink address, latest stat). Anyone can send PULL_DATA with any EUI, so
 * the tables are bounded: a real site has a handful of forwarders, which pull every few seconds.
 */
export const GATEWAYS_KEPT = 1024;
/** A forwarder silent for this long is forgotten (it pulls every 5-10 s; ChirpStack's bridge waits 1 min). */
export const GATEWAY_TTL_MS = 5 * 60_000;

export class GatewayRegistry {
  private readonly targets: BoundedMap<string, DownlinkTarget>;
  private latestTarget: DownlinkTarget | undefined;
  private readonly stats: BoundedMap<string, StatReport>;
  private latestStat: StatReport | undefined;
  /**
   * Two generations: a full current one becomes the previous one and the old previous one is
   * dropped whole. Evicting the oldest entry of one Map by iterating it walked over every entry
   * deleted since the Map's table was last rebuilt, on every uplink (about 5x the cost).
   */
  private tmstOwners = new Map<number, string>();
  private tmstOwnersBefore = new Map<number, string>();

  constructor(opts: { maxGateways?: number; now: () => number }) {
    const tables = { maxEntries: opts.maxGateways ?? GATEWAYS_KEPT, ttlMs: GATEWAY_TTL_MS, now: opts.now };
    this.targets = new BoundedMap(tables);
    this.stats = new BoundedMap(tables);
  }

  /** Gateways forgotten because a table was full (the `gateways_evicted` counter). */
  get evicted(): number {
    return this.targets.evicted + this.stats.evicted;
  }

  /** Entries held per table: bounded whatever the peers send. */
  sizes(): { targets: number; stats: number; tmstOwners: number } {
    return { targets: this.targets.size, stats: this.stats.size, tmstOwners: this.tmstOwners.size + this.tmstOwnersBefore.size };
  }

  /** Forwarders pull from a different socket than they push from, so only PULL_DATA sets the target. */
  rememberPull(packet: PullDataPacket, rinfo: dgram.RemoteInfo, at: number): void {
    const target: DownlinkTarget = {
      gatewayEui: packet.gatewayEui,
      address: rinfo.address,
      port: rinfo.port,
      version: packet.version,
      lastPullAt: at,
    };
    this.targets.set(packet.gatewayEui, target);
    this.latestTarget = target;
  }

  rememberStat(report: StatReport): void {
    this.stats.set(report.gatewayEui, report);
    this.latestStat = report;
  }

  rememberTmstOwner(tmst: number, gatewayEui: string): void {
    if (this.tmstOwners.size >= TMST_OWNERS_KEPT && !this.tmstOwners.has(tmst)) {
      this.tmstOwnersBefore = this.tmstOwners;
      this.tmstOwners = new Map();
    }
    this.tmstOwners.set(tmst, gatewayEui);
  }

  /** Where PULL_RESP for this gateway goes; without an EUI, the gateway that pulled most recently. */
  downlinkTarget(gatewayEui?: string): DownlinkTarget | undefined {
    const t = gatewayEui === undefined ? this.latestTarget : this.targets.get(gatewayEui.toLowerCase());
    return t ? { ...t } : undefined;
  }

  /** The gateway that reported this uplink tmst if we know it, else whichever pulled last. */
  targetFor(uplinkTmst: number | undefined): DownlinkTarget | undefined {
    const owner = uplinkTmst === undefined ? undefined : (this.tmstOwners.get(uplinkTmst) ?? this.tmstOwnersBefore.get(uplinkTmst));
    return (owner === undefined ? undefined : this.downlinkTarget(owner)) ?? this.downlinkTarget();
  }

  /** Latest `stat` report; without an EUI, from whichever gateway reported last. */
  lastStat(gatewayEui?: string): StatReport | undefined {
    return gatewayEui === undefined ? this.latestStat : this.stats.get(gatewayEui.toLowerCase());
  }
}
