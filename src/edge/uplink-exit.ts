// Edge mode as an exit of the uplink pipeline: it sees every stored LoRaWAN uplink and answers
// joins and confirmed uplinks of the devices it serves.
import type { Uplink, UplinkExit } from '../pipeline/uplink.js';
import type { EdgeMode } from './edge-mode.js';

export class EdgeUplinkExit implements UplinkExit {
  readonly name = 'edge';

  constructor(private readonly edge: EdgeMode) {}

  take(uplink: Uplink): void {
    if (uplink.phy) this.edge.onUplink(uplink.phy, uplink.frame, uplink.outcome);
  }
}
