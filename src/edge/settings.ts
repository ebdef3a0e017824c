// What edge mode needs from the configuration: the `edge` section plus the RX2 and power settings
// of the `downlink` section (downlinks of both paths share one RX2 and one power ceiling).
import type { Config } from '../config/schema.js';

export type EdgeSettings = Config['edge'] & Pick<Config['downlink'], 'rx2Frequency' | 'rx2DataRate' | 'maxTxPower'>;

/** Picks the edge settings out of a whole configuration. */
export function edgeSettings(config: Pick<Config, 'edge' | 'downlink'>): EdgeSettings {
  const { rx2Frequency, rx2DataRate, maxTxPower } = config.downlink;
  return { ...config.edge, rx2Frequency, rx2DataRate, maxTxPower };
}
