// RadioSource for Semtech UDP packet forwarders: one dgram socket that acknowledges PUSH_DATA and
// PULL_DATA, turns rxpk entries into RadioFrames, keeps each gateway's downlink address, sends
// PULL_RESP and matches TX_ACKs to them. Nothing a gateway sends can make the socket handler throw.

import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { DownlinkCapable, TxRequest, TxStatus } from '../downlink.js';
import type { CrcStatus, RadioFrame, RadioSource } from '../radio-frame.js';
import { formatHostPort, parseHostPort } from './bind-address.js';
import {
  DATAGRAM_FAILURE_REASONS,
  buildPullAck,
  buildPullResp,
  buildPushAck,
  parseDatagram,
  type PullDataPacket,
  type PushDataPacket,
  type TxAckPacket,
} from './datagram.js';
import type { ProtocolVersion } from './gwmp.js';
import { RXPK_FAILURE_REASONS, rxpkToRadioFrame } from './rxpk.js';
import { IMPLAUSIBLE_COUNTER_PREFIX, IMPLAUSIBLE_REASONS, checkRadioFrame, type RadioBand } from '../plausibility.js';
import { shorten } from '../../bounded-text.js';
import { BoundedMap } from '../../bounded-map.js';
import type { GatewayStat } from './stat.js';
import { TxAckWaiters } from './tx-ack-waiters.js';
import { buildTxpk, txStatusFromTxAck } from './txpk.js';

export interface FrameOrigin {
  gatewayEui: string;
}

/** A plain FrameHandler `(frame) => void` fits too. */
export type UdpFrameHandler = (frame: RadioFrame, origin: FrameOrigin) => void;

export interface StatReport {
  gatewayEui: string;
  receivedAt: number;
  stat: GatewayStat;
}

export interface TxAckReport {
  /** Token of the PULL_RESP this acknowledges (as returned by sendPullResp). */
  token: number;
  /** null when the gateway accepted the downlink, else its error such as "TOO_LATE". */
  error: string | null;
  warn?: string;
  value?: string | number;
  gatewayEui: string;
}

export interface DownlinkTarget {
  gatewayEui: string;
  address: string;
  port: number;
  version: ProtocolVersion;
  /** ms since the epoch of the latest PULL_DATA from this gateway. */
  lastPullAt: number;
}

export interface UdpSourceOptions {
  id: string;
  /** "host:port", IPv6 in brackets: "[::1]:1700". Port 0 picks a free port (see address()). */
  bind: string;
  logger: Logger;
  onFrame: UdpFrameHandler;
  onStat?: (report: StatReport) => void;
  onTxAck?: (ack: TxAckReport) => void;
  /** Clock for receivedAt; tests may pin it. */
  now?: () => number;
  /** How long a protocol-2 forwarder may take to answer a downlink with TX_ACK; then INTERNAL_ERROR. Default 2000 ms. */
  txAckTimeoutMs?: number;
  /**
   * Protocol-1 forwarders never send TX_ACK: their downlinks count as OK after this wait, unless a
   * TX_ACK arrives anyway and says otherwise. Default 100 ms.
   */
  v1TxAckWaitMs?: number;
  /** Bands the forwarders' frames may come from; others are refused as implausible. Default EU868. */
  bands?: readonly RadioBand[];
  /** Bound on remembered gateways (default GATEWAYS_KEPT). */
  maxGateways?: number;
}

export type UdpSourceErrorCode = 'bind_failed' | 'bad_bind_address' | 'not_started' | 'no_downlink_target';

export class UdpSourceError extends Error {
  constructor(
    readonly code: UdpSourceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UdpSourceError';
  }
}

type State = 'idle' | 'starting' | 'listening' | 'stopped';

const CRC_COUNTER: Record<CrcStatus, string> = { ok: 'rx_crc_ok', bad: 'rx_crc_bad', none: 'rx_crc_none' };

/** Recent uplink tmst values and the gateway that reported each, so a delayed downlink goes back to it. */
const TMST_OWNERS_KEPT = 1024;
/**
 * Gateways remembered (downlink address, latest stat). Anyone can send PULL_DATA with any EUI, so
 * the tables are bounded: a real site has a handful of forwarders, which pull every few seconds.
 */
export const GATEWAYS_KEPT = 1024;
/** A forwarder silent for this long is forgotten (it pulls every 5-10 s; ChirpStack's bridge waits 1 min). */
export const GATEWAY_TTL_MS = 5 * 60_000;

export class UdpSource implements RadioSource, DownlinkCapable {
  readonly id: string;
  private readonly opts: UdpSourceOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private socket: dgram.Socket | undefined;
  private currentState: State = 'idle';
  private readonly counts: Record<string, number> = {};
  private readonly targets: BoundedMap<string, DownlinkTarget>;
  private latestTarget: DownlinkTarget | undefined;
  private readonly stats: BoundedMap<string, StatReport>;
  private latestStat: StatReport | undefined;
  private nextToken = randomInt(0, 0x10000);
  private readonly txAckWaiters = new TxAckWaiters();
  private readonly tmstOwners = new Map<number, string>();
  private readonly txAckTimeoutMs: number;
  private readonly v1TxAckWaitMs: number;

  constructor(opts: UdpSourceOptions) {
    this.id = opts.id;
    this.opts = opts;
    this.log = opts.logger.child({ source: opts.id });
    this.now = opts.now ?? Date.now;
    this.txAckTimeoutMs = opts.txAckTimeoutMs ?? 2000;
    this.v1TxAckWaitMs = opts.v1TxAckWaitMs ?? 100;
    const tables = { maxEntries: opts.maxGateways ?? GATEWAYS_KEPT, ttlMs: GATEWAY_TTL_MS, now: this.now };
    this.targets = new BoundedMap(tables);
    this.stats = new BoundedMap(tables);
    for (const name of [
      'datagrams_received',
      'datagrams_malformed',
      'push_data',
      'pull_data',
      'tx_ack',
      'tx_ack_error',
      'rx_frames',
      'rx_crc_ok',
      'rx_crc_bad',
      'rx_crc_none',
      'rxpk_invalid',
      'stat_received',
      'stat_invalid',
      'stat_junk_fields',
      'pull_resp_sent',
      'tx_requests',
      'tx_ok',
      'tx_failed',
      'tx_ack_timeouts',
      'tx_ack_unmatched',
      'send_errors',
      'handler_errors',
    ]) {
      this.counts[name] = 0;
    }
    for (const reason of DATAGRAM_FAILURE_REASONS) this.counts[`malformed_${reason}`] = 0;
    for (const reason of RXPK_FAILURE_REASONS) this.counts[`rxpk_invalid_${reason}`] = 0;
    for (const reason of IMPLAUSIBLE_REASONS) this.counts[`${IMPLAUSIBLE_COUNTER_PREFIX}${reason}`] = 0;
  }

  async start(): Promise<void> {
    if (this.socket) return;
    let bind;
    try {
      bind = parseHostPort(this.opts.bind);
    } catch (err) {
      throw new UdpSourceError('bad_bind_address', `UDP source "${this.id}": bad bind address: ${(err as Error).message}`);
    }
    const socket = dgram.createSocket({ type: bind.family });
    this.socket = socket;
    this.currentState = 'starting';
    try {
      await new Promise<void>((resolve, reject) => {
        const onClose = (): void => reject(new Error('stopped before the bind completed'));
        socket.once('error', reject);
        socket.once('close', onClose);
        socket.bind(bind.port, bind.host, () => {
          socket.off('error', reject);
          socket.off('close', onClose);
          resolve();
        });
      });
    } catch (err) {
      this.socket = undefined;
      this.currentState = 'stopped';
      closeQuietly(socket);
      throw new UdpSourceError(
        'bind_failed',
        `UDP source "${this.id}": cannot bind ${this.opts.bind}: ${describeBindError(err)}`,
        { cause: err },
      );
    }
    socket.on('error', (err) => this.log.warn({ err }, 'UDP socket error'));
    socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    this.currentState = 'listening';
    const addr = socket.address();
    this.log.info({ address: formatHostPort(addr.address, addr.port) }, 'listening for packet forwarders');
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (this.currentState !== 'idle') this.currentState = 'stopped';
    this.txAckWaiters.settleAll('INTERNAL_ERROR');
    if (!socket) return;
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  state(): string {
    return this.currentState;
  }

  counters(): Record<string, number> {
    return { ...this.counts, gateways_evicted: this.targets.evicted + this.stats.evicted };
  }

  /** The bound address, useful after binding port 0. */
  address(): { address: string; port: number } {
    if (!this.socket || this.currentState !== 'listening') {
      throw new UdpSourceError('not_started', `UDP source "${this.id}" is not listening`);
    }
    const { address, port } = this.socket.address();
    return { address, port };
  }

  /** Entries held per peer-keyed table: bounded whatever the peers send (tests, status). */
  tableSizes(): { targets: number; stats: number; tmstOwners: number; txAckWaiters: number } {
    return { targets: this.targets.size, stats: this.stats.size, tmstOwners: this.tmstOwners.size, txAckWaiters: this.txAckWaiters.size };
  }

  /** Where PULL_RESP for this gateway goes; without an EUI, the gateway that pulled most recently. */
  downlinkTarget(gatewayEui?: string): DownlinkTarget | undefined {
    const t = gatewayEui === undefined ? this.latestTarget : this.targets.get(gatewayEui.toLowerCase());
    return t ? { ...t } : undefined;
  }

  /** Latest `stat` report; without an EUI, from whichever gateway reported last. */
  lastStat(gatewayEui?: string): StatReport | undefined {
    return gatewayEui === undefined ? this.latestStat : this.stats.get(gatewayEui.toLowerCase());
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
    const token = this.takeToken();
    await this.sendTo(socket, target, buildPullResp(target.version, token, txpk));
    return token;
  }

  /**
   * DownlinkCapable: PULL_RESP to the forwarder that heard the uplink (delayed downlinks) or that
   * pulled last, then its TX_ACK mapped to a TxStatus. Protocol-1 forwarders send no TX_ACK: OK
   * after a short wait. No TX_ACK within txAckTimeoutMs: INTERNAL_ERROR (whether it went out is
   * unknown). Never throws.
   */
  async transmit(request: TxRequest): Promise<TxStatus> {
    this.count('tx_requests');
    let status: TxStatus;
    try {
      status = await this.transmitOnce(request);
    } catch (err) {
      this.log.error({ err }, 'downlink failed unexpectedly');
      status = 'INTERNAL_ERROR';
    }
    this.count(status === 'OK' ? 'tx_ok' : 'tx_failed');
    return status;
  }

  private async transmitOnce(request: TxRequest): Promise<TxStatus> {
    const built = buildTxpk(request);
    if (!built.ok) {
      this.log.warn({ reason: built.reason, status: built.status }, 'downlink refused before sending');
      return built.status;
    }
    const socket = this.socket;
    if (!socket || this.currentState !== 'listening') {
      this.log.error('downlink refused: the UDP source is not listening');
      return 'INTERNAL_ERROR';
    }
    const uplinkTmst = request.timing.kind === 'delay' ? request.timing.context.readUInt32BE(0) : undefined;
    const target = this.targetFor(uplinkTmst);
    if (!target) {
      this.log.error('downlink refused: no packet forwarder has sent PULL_DATA yet, so there is no address to send PULL_RESP to');
      return 'INTERNAL_ERROR';
    }
    const token = this.takeToken();
    const v2 = target.version === 2;
    // The wait starts before the send, so a TX_ACK can never arrive unexpected.
    const verdict = this.txAckWaiters.wait(token, target.gatewayEui, v2 ? this.txAckTimeoutMs : this.v1TxAckWaitMs, () => {
      if (!v2) return 'OK';
      this.count('tx_ack_timeouts');
      this.log.warn(
        { gatewayEui: target.gatewayEui, token, timeoutMs: this.txAckTimeoutMs },
        'no TX_ACK for a downlink; reporting INTERNAL_ERROR (it may or may not have been sent)',
      );
      return 'INTERNAL_ERROR';
    });
    try {
      await this.sendTo(socket, target, buildPullResp(target.version, token, built.txpk));
      this.log.debug({ gatewayEui: target.gatewayEui, token, txpk: { ...built.txpk, data: undefined } }, 'PULL_RESP sent');
    } catch (err) {
      this.count('send_errors');
      this.log.error({ err, gatewayEui: target.gatewayEui }, 'failed to send PULL_RESP');
      this.txAckWaiters.settle(token, target.gatewayEui, 'INTERNAL_ERROR');
    }
    return verdict;
  }

  /** The gateway that reported this uplink tmst if we know it, else whichever pulled last. */
  private targetFor(uplinkTmst: number | undefined): DownlinkTarget | undefined {
    const owner = uplinkTmst === undefined ? undefined : this.tmstOwners.get(uplinkTmst);
    return (owner === undefined ? undefined : this.downlinkTarget(owner)) ?? this.downlinkTarget();
  }

  private listeningSocket(): dgram.Socket {
    const socket = this.socket;
    if (!socket || this.currentState !== 'listening') {
      throw new UdpSourceError('not_started', `UDP source "${this.id}" is not listening`);
    }
    return socket;
  }

  /** Next token not held by a downlink still waiting for its TX_ACK. */
  private takeToken(): number {
    let token = this.nextToken;
    while (this.txAckWaiters.has(token)) token = (token + 1) & 0xffff;
    this.nextToken = (token + 1) & 0xffff;
    return token;
  }

  private async sendTo(socket: dgram.Socket, target: DownlinkTarget, datagram: Buffer): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      socket.send(datagram, target.port, target.address, (err) => (err ? reject(err) : resolve()));
    });
    this.counts.pull_resp_sent++;
  }

  private count(name: string): void {
    this.counts[name] = (this.counts[name] ?? 0) + 1;
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    try {
      this.handleDatagram(msg, rinfo);
    } catch (err) {
      // Only a bug in this file gets here; keep listening.
      this.count('handler_errors');
      this.log.error({ err, from: formatHostPort(rinfo.address, rinfo.port) }, 'failed to handle datagram');
    }
  }

  private handleDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.count('datagrams_received');
    const receivedAt = this.now();
    const parsed = parseDatagram(msg);
    if (!parsed.ok) {
      this.count('datagrams_malformed');
      this.count(`malformed_${parsed.reason}`);
      this.log.debug(
        { from: formatHostPort(rinfo.address, rinfo.port), bytes: msg.length, reason: parsed.reason, detail: shorten(parsed.detail, 256) },
        'malformed datagram',
      );
      return;
    }
    const packet = parsed.packet;
    switch (packet.type) {
      case 'PUSH_DATA':
        this.reply(buildPushAck(packet.version, packet.token), rinfo);
        this.handlePushData(packet, receivedAt);
        return;
      case 'PULL_DATA':
        this.rememberTarget(packet, rinfo, receivedAt);
        this.reply(buildPullAck(packet.version, packet.token), rinfo);
        return;
      case 'TX_ACK':
        this.handleTxAck(packet);
        return;
    }
  }

  private handlePushData(packet: PushDataPacket, receivedAt: number): void {
    this.count('push_data');
    const origin: FrameOrigin = { gatewayEui: packet.gatewayEui };
    for (const raw of packet.rxpk) {
      const result = rxpkToRadioFrame(raw, this.id, receivedAt);
      if (!result.ok) {
        this.count('rxpk_invalid');
        this.count(`rxpk_invalid_${result.reason}`);
        this.log.debug({ gatewayEui: packet.gatewayEui, reason: result.reason, detail: shorten(result.detail, 256) }, 'invalid rxpk');
        continue;
      }
      const implausible = checkRadioFrame(result.frame, this.opts.bands ?? ['eu868']);
      if (implausible) {
        this.count('rxpk_invalid');
        this.count(`${IMPLAUSIBLE_COUNTER_PREFIX}${implausible.reason}`);
        this.log.debug({ gatewayEui: packet.gatewayEui, reason: implausible.reason, detail: implausible.detail }, 'rxpk with impossible radio metadata refused');
        continue;
      }
      this.count('rx_frames');
      this.count(CRC_COUNTER[result.frame.crc]);
      if (result.frame.counterUs !== undefined) this.rememberTmstOwner(result.frame.counterUs, packet.gatewayEui);
      this.callHandler('onFrame', () => this.opts.onFrame(result.frame, origin));
    }
    if (packet.stat) {
      if (!packet.stat.ok) {
        this.count('stat_invalid');
        this.log.debug({ gatewayEui: packet.gatewayEui, detail: shorten(packet.stat.detail, 256) }, 'invalid stat');
        return;
      }
      this.count('stat_received');
      if (packet.stat.junkFields.length > 0) {
        this.counts.stat_junk_fields += packet.stat.junkFields.length;
        this.log.debug({ gatewayEui: packet.gatewayEui, fields: packet.stat.junkFields }, 'stat fields ignored');
      }
      const report: StatReport = { gatewayEui: packet.gatewayEui, receivedAt, stat: packet.stat.stat };
      this.stats.set(packet.gatewayEui, report);
      this.latestStat = report;
      const onStat = this.opts.onStat;
      if (onStat) this.callHandler('onStat', () => onStat(report));
    }
  }

  private rememberTmstOwner(tmst: number, gatewayEui: string): void {
    this.tmstOwners.delete(tmst);
    this.tmstOwners.set(tmst, gatewayEui);
    if (this.tmstOwners.size > TMST_OWNERS_KEPT) {
      const oldest = this.tmstOwners.keys().next().value;
      if (oldest !== undefined) this.tmstOwners.delete(oldest);
    }
  }

  private handleTxAck(packet: TxAckPacket): void {
    this.count('tx_ack');
    if (packet.error !== null) this.count('tx_ack_error');
    const status = txStatusFromTxAck(packet.error);
    if (!this.txAckWaiters.settle(packet.token, packet.gatewayEui, status)) {
      this.count('tx_ack_unmatched');
      this.log.debug({ gatewayEui: packet.gatewayEui, token: packet.token }, 'TX_ACK for no downlink we are waiting on');
    } else if (packet.error !== null) {
      const level = status === 'INTERNAL_ERROR' ? 'warn' : 'info';
      this.log[level]({ gatewayEui: packet.gatewayEui, error: packet.error, status }, 'packet forwarder refused a downlink');
    }
    const onTxAck = this.opts.onTxAck;
    if (!onTxAck) return;
    const ack: TxAckReport = { token: packet.token, error: packet.error, gatewayEui: packet.gatewayEui };
    if (packet.warn !== undefined) ack.warn = packet.warn;
    if (packet.value !== undefined) ack.value = packet.value;
    this.callHandler('onTxAck', () => onTxAck(ack));
  }

  /** Forwarders pull from a different socket than they push from, so only PULL_DATA sets the target. */
  private rememberTarget(packet: PullDataPacket, rinfo: dgram.RemoteInfo, at: number): void {
    const target: DownlinkTarget = {
      gatewayEui: packet.gatewayEui,
      address: rinfo.address,
      port: rinfo.port,
      version: packet.version,
      lastPullAt: at,
    };
    this.count('pull_data');
    this.targets.set(packet.gatewayEui, target);
    this.latestTarget = target;
  }

  private callHandler(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.count('handler_errors');
      this.log.warn({ err, handler: name }, 'handler threw');
    }
  }

  private reply(datagram: Buffer, rinfo: dgram.RemoteInfo): void {
    const socket = this.socket;
    if (!socket) return;
    socket.send(datagram, rinfo.port, rinfo.address, (err) => {
      if (!err) return;
      this.count('send_errors');
      this.log.warn({ err, to: formatHostPort(rinfo.address, rinfo.port) }, 'failed to send ack');
    });
  }
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // A socket whose bind failed may already be closed.
  }
}

const BIND_ERROR_HINTS: Record<string, string> = {
  EADDRINUSE: 'address already in use (another process, maybe another packet-forwarder server, holds this port)',
  EADDRNOTAVAIL: 'address not available on this host',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  ENOTFOUND: 'host name does not resolve',
  EAI_AGAIN: 'host name lookup failed temporarily',
};

function describeBindError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && BIND_ERROR_HINTS[code]) return `${BIND_ERROR_HINTS[code]} [${code}]`;
  return err instanceof Error ? err.message : String(err);
}
