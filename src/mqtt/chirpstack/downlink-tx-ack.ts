// gw.DownlinkTxAck for `event/ack`, one status per DownlinkFrame item.
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import type { DownlinkTxAck } from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import type { TxStatus } from '../../radio/downlink.js';

export interface TxAckInput {
  gatewayId: string;
  downlinkId: number;
  /** One per DownlinkFrame item, in the frame's order. */
  statuses: readonly TxStatus[];
}

/** gw.DownlinkTxAck for `event/ack`; marshal() it with the configured marshaler. */
export function toDownlinkTxAck(input: TxAckInput): DownlinkTxAck {
  const msg = new gw.DownlinkTxAck();
  msg.setGatewayId(input.gatewayId);
  msg.setDownlinkId(input.downlinkId >>> 0);
  for (const status of input.statuses) {
    const item = new gw.DownlinkTxAckItem();
    item.setStatus(gw.TxAckStatus[status] ?? gw.TxAckStatus.INTERNAL_ERROR);
    msg.addItems(item);
  }
  return msg;
}

