// The UDP source with what only tests need: raw PULL_RESP sending, the latest stat, a callback for
// TX_ACKs, and table sizes. Kept out of the production class; never imported by src/.
import type dgram from 'node:dgram';
import type { GatewayPacket } from '../radio/udp/datagram.js';
import { UdpSource, UdpSourceError, type DownlinkTarget, type StatReport, type UdpSourceOptions } from '../radio/udp/udp-source.js';

export interface TxAckReport {
  /** Token of the PULL_RESP this acknowledges (as returned by sendPullResp). */
  token: number;
  /** null when the gateway accepted the downlink, else its error such as "TOO_LATE". */
  error: string | null;
  warn?: string;
  value?: string | number;
  gatewayEui: string;
}

export interface ObservedUdpSourceOptions extends UdpSourceOptions {
  onTxAck?: (ack: TxAckReport) => void;
}

export class ObservedUdpSource extends UdpSource {
  private readonly observers: Pick<ObservedUdpSourceOptions, 'onTxAck'>;

  constructor(opts: ObservedUdpSourceOptions) {
    super(opts);
    this.observers = { onTxAck: opts.onTxAck };
  }

  /** Where PULL_RESP for this gateway goes; without an EUI, the gateway that pulled most recently. */
  downlinkTarget(gatewayEui?: string): DownlinkTarget | undefined {
    return this.gateways.downlinkTarget(gatewayEui);
  }

  /** Latest `stat` report; without an EUI, from whichever gateway reported last. */
  lastStat(gatewayEui?: string): StatReport | undefined {
    return this.gateways.lastStat(gatewayEui);
  }

  /** Entries held per peer-keyed table: bounded whatever the peers send. */
  tableSizes(): { targets: number; stats: number; tmstOwners: number; txAckWaiters: number } {
    return { ...this.gateways.sizes(), txAckWaiters: this.downlinks.waiting };
  }

  /**
   * Sends `{"txpk": txpk}` to the gateway's PULL_DATA address and resolves with the token its
   * TX_ACK will carry. Rejects when the source is not listening or the gateway never pulled.
   */
  async sendPullResp(txpk: object, gatewayEui?: string): Promise<number> {
    const socket = this.listeningSocket();
    const target = this.downlinkTarget(gatewayEui);
    if (!target) {
      const who = gatewayEui === undefined ? 'any gateway' : `gateway ${gatewayEui}`;
      throw new UdpSourceError('no_downlink_target', `no PULL_DATA received from ${who} yet; cannot send a downlink`);
    }
    const token = this.downlinks.takeToken();
    await this.downlinks.sendPullResp(socket, target, token, txpk);
    return token;
  }

  protected override handlePacket(packet: GatewayPacket, rinfo: dgram.RemoteInfo, receivedAt: number): void {
    super.handlePacket(packet, rinfo, receivedAt);
    if (packet.type === 'TX_ACK') {
      const onTxAck = this.observers.onTxAck;
      if (!onTxAck) return;
      const ack: TxAckReport = { token: packet.token, error: packet.error, gatewayEui: packet.gatewayEui };
      if (packet.warn !== undefined) ack.warn = packet.warn;
      if (packet.value !== undefined) ack.value = packet.value;
      this.callHandler('onTxAck', () => onTxAck(ack));
    }
  }
}
