// What edge mode needs from the configuration: the `edge` section plus the RX2 and power settings
// of the `downlink` section (downlinks of both paths share one RX2 and one power ceiling). Spelled
// out here rather than derived from the config schema: config/ sits above the parts it configures.

/** The `edge` section of the configuration (config/schema.ts validates it). */
export interface EdgeSection {
  enabled: boolean;
  /** NetID in the join accept, 6 hex digits. */
  netId: string;
  /** DevAddrs handed to devices joining at the edge, inclusive, 8 hex digits each. */
  devAddrFrom: string;
  devAddrTo: string;
  rx1DrOffset: number;
  /** Seconds between uplink and RX1 for data (1..15). */
  rxDelay: number;
  /** Commands waiting per device. */
  queueSize: number;
}

export interface EdgeSettings extends EdgeSection {
  rx2Frequency: number;
  rx2DataRate: number;
  maxTxPower: number;
}

/** Picks the edge settings out of a whole configuration. */
export function edgeSettings(config: {
  edge: EdgeSection;
  downlink: Pick<EdgeSettings, 'rx2Frequency' | 'rx2DataRate' | 'maxTxPower'>;
}): EdgeSettings {
  const { rx2Frequency, rx2DataRate, maxTxPower } = config.downlink;
  return { ...config.edge, rx2Frequency, rx2DataRate, maxTxPower };
}
