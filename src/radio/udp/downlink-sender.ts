// Downlinks over GWMP: a PULL_RESP to the forwarder that heard the uplink (or pulled last), then
// its TX_ACK mapped to a TxStatus. Tokens are never reused while a downlink still waits on one.
import type dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { TxRequest, TxStatus } from '../downlink.js';
import { buildPullResp, type TxAckPacket } from './datagram.js';
import type { DownlinkTarget, GatewayRegistry } from './gateway-registry.js';
import { TxAckWaiters } from './tx-ack-waiters.js';
import { buildTxpk, txStatusFromTxAck } from './txpk.js';
import type { UdpCounters } from './udp-counters.js';

export interface DownlinkSenderDeps {
  log: Logger;
  gateways: GatewayRegistry;
  counters: UdpCounters;
  /** The socket when the source is listening, else undefined. */
  listeningSocket: () => dgram.Socket | undefined;
  txAckTimeoutMs: number;
  v1TxAckWaitMs: number;
}

export class UdpDownlinkSender {
  private nextToken = randomInt(0, 0x10000);
  private readonly txAckWaiters = new TxAckWaiters();

  constructor(private readonly deps: DownlinkSenderDeps) {}

  /** Downlinks waiting for their TX_ACK. */
  get waiting(): number {
    return this.txAckWaiters.size;
  }

  /**
   * PULL_RESP then TX_ACK. Protocol-1 forwarders send no TX_ACK: OK after a short wait. No TX_ACK
   * within txAckTimeoutMs: INTERNAL_ERROR (whether it went out is unknown). Never throws.
   */
  async transmit(request: TxRequest): Promise<TxStatus> {
    const { counters, log } = this.deps;
    counters.count('tx_requests');
    let status: TxStatus;
    try {
      status = await this.transmitOnce(request);
    } catch (err) {
      log.error({ err }, 'downlink failed unexpectedly');
      status = 'INTERNAL_ERROR';
    }
    counters.count(status === 'OK' ? 'tx_ok' : 'tx_failed');
    return status;
  }

  private async transmitOnce(request: TxRequest): Promise<TxStatus> {
    const { counters, log } = this.deps;
    const built = buildTxpk(request);
    if (!built.ok) {
      log.warn({ reason: built.reason, status: built.status }, 'downlink refused before sending');
      return built.status;
    }
    const socket = this.deps.listeningSocket();
    if (!socket) {
      log.error('downlink refused: the UDP source is not listening');
      return 'INTERNAL_ERROR';
    }
    const uplinkTmst = request.timing.kind === 'delay' ? request.timing.context.readUInt32BE(0) : undefined;
    const target = this.deps.gateways.targetFor(uplinkTmst);
    if (!target) {
      log.error('downlink refused: no packet forwarder has sent PULL_DATA yet, so there is no address to send PULL_RESP to');
      return 'INTERNAL_ERROR';
    }
    const token = this.takeToken();
    const v2 = target.version === 2;
    const { txAckTimeoutMs, v1TxAckWaitMs } = this.deps;
    // The wait starts before the send, so a TX_ACK can never arrive unexpected.
    const verdict = this.txAckWaiters.wait(token, target.gatewayEui, v2 ? txAckTimeoutMs : v1TxAckWaitMs, () => {
      if (!v2) return 'OK';
      counters.count('tx_ack_timeouts');
      log.warn(
        { gatewayEui: target.gatewayEui, token, timeoutMs: txAckTimeoutMs },
        'no TX_ACK for a downlink; reporting INTERNAL_ERROR (it may or may not have been sent)',
      );
      return 'INTERNAL_ERROR';
    });
    try {
      await this.sendPullResp(socket, target, token, built.txpk);
      log.debug({ gatewayEui: target.gatewayEui, token, txpk: { ...built.txpk, data: undefined } }, 'PULL_RESP sent');
    } catch (err) {
      counters.count('send_errors');
      log.error({ err, gatewayEui: target.gatewayEui }, 'failed to send PULL_RESP');
      this.txAckWaiters.settle(token, target.gatewayEui, 'INTERNAL_ERROR');
    }
    return verdict;
  }

  /** Next token not held by a downlink still waiting for its TX_ACK. */
  takeToken(): number {
    let token = this.nextToken;
    while (this.txAckWaiters.has(token)) token = (token + 1) & 0xffff;
    this.nextToken = (token + 1) & 0xffff;
    return token;
  }

  /** Sends `{"txpk": txpk}` with this token to the target's PULL_DATA address. */
  async sendPullResp(socket: dgram.Socket, target: DownlinkTarget, token: number, txpk: object): Promise<void> {
    const datagram = buildPullResp(target.version, token, txpk);
    await new Promise<void>((resolve, reject) => {
      socket.send(datagram, target.port, target.address, (err) => (err ? reject(err) : resolve()));
    });
    this.deps.counters.count('pull_resp_sent');
  }

  /** A TX_ACK arrived: settles the downlink waiting on its token, if any. */
  onTxAck(packet: TxAckPacket): void {
    const { counters, log } = this.deps;
    counters.count('tx_ack');
    if (packet.error !== null) counters.count('tx_ack_error');
    const status = txStatusFromTxAck(packet.error);
    if (!this.txAckWaiters.settle(packet.token, packet.gatewayEui, status)) {
      counters.count('tx_ack_unmatched');
      log.debug({ gatewayEui: packet.gatewayEui, token: packet.token }, 'TX_ACK for no downlink we are waiting on');
    } else if (packet.error !== null) {
      const level = status === 'INTERNAL_ERROR' ? 'warn' : 'info';
      log[level]({ gatewayEui: packet.gatewayEui, error: packet.error, status }, 'packet forwarder refused a downlink');
    }
  }

  /** Stopping: every waiting downlink gets this status. */
  settleAll(status: TxStatus): void {
    this.txAckWaiters.settleAll(status);
  }
}
