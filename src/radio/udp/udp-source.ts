// RadioSource for Semtech UDP packet forwarders: one dgram socket that acknowledges PUSH_DATA and
// PULL_DATA and turns rxpk entries into RadioFrames. Which gateway is where lives in
// GatewayRegistry, downlinks in UdpDownlinkSender. Nothing a gateway sends can make the socket
// handler throw.

import dgram from 'node:dgram';
import type { Logger } from '../../log.js';
import type { DownlinkCapable, TxRequest, TxStatus } from '../downlink.js';
import type { CrcStatus, RadioFrame, RadioSource } from '../radio-frame.js';
import { formatHostPort, parseHostPort } from './bind-address.js';
import { buildPullAck, buildPushAck, parseDatagram, type GatewayPacket, type PushDataPacket } from './datagram.js';
import { rxpkToRadioFrame } from './rxpk.js';
import { IMPLAUSIBLE_COUNTER_PREFIX, checkRadioFrame, type RadioBand } from '../plausibility.js';
import { shorten } from '../../bounded-text.js';
import { GatewayRegistry, type StatReport } from './gateway-registry.js';
import { UdpDownlinkSender } from './downlink-sender.js';
import { UdpCounters } from './udp-counters.js';
import { peekPushData } from './push-data-peek.js';
import { ALWAYS_OPEN, type FrameDoor } from '../frame-door.js';

export { GATEWAYS_KEPT, GATEWAY_TTL_MS } from './gateway-registry.js';
export type { DownlinkTarget, StatReport } from './gateway-registry.js';

export interface FrameOrigin {
  gatewayEui: string;
}

/** A plain FrameHandler `(frame) => void` fits too. */
export type UdpFrameHandler = (frame: RadioFrame, origin: FrameOrigin) => void;

export interface UdpSourceOptions {
  id: string;
  /** "host:port", IPv6 in brackets: "[::1]:1700". Port 0 picks a free port (see address()). */
  bind: string;
  logger: Logger;
  onFrame: UdpFrameHandler;
  /** Each valid `stat` a forwarder sends (its GPS position and counters go into the gateway stats). */
  onStat?: (report: StatReport) => void;
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
  /**
   * Back-pressure: while closed, rxpk are refused before parsing (counted as frames_refused). The
   * datagram is still acknowledged: the forwarder never re-sends, and an unanswered PUSH_DATA
   * would only make it report the link to this server as down. Default: always open.
   */
  door?: FrameDoor;
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

export class UdpSource implements RadioSource, DownlinkCapable {
  readonly id: string;
  private readonly opts: UdpSourceOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly bands: readonly RadioBand[];
  private readonly door: FrameDoor;
  private socket: dgram.Socket | undefined;
  private currentState: State = 'idle';
  private readonly counts = new UdpCounters();
  protected readonly gateways: GatewayRegistry;
  protected readonly downlinks: UdpDownlinkSender;

  constructor(opts: UdpSourceOptions) {
    this.id = opts.id;
    this.opts = opts;
    this.log = opts.logger.child({ source: opts.id });
    this.now = opts.now ?? Date.now;
    this.bands = opts.bands ?? ['eu868'];
    this.door = opts.door ?? ALWAYS_OPEN;
    this.gateways = new GatewayRegistry({ maxGateways: opts.maxGateways, now: this.now });
    this.downlinks = new UdpDownlinkSender({
      log: this.log,
      gateways: this.gateways,
      counters: this.counts,
      listeningSocket: () => (this.currentState === 'listening' ? this.socket : undefined),
      txAckTimeoutMs: opts.txAckTimeoutMs ?? 2000,
      v1TxAckWaitMs: opts.v1TxAckWaitMs ?? 100,
    });
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
    this.downlinks.settleAll('INTERNAL_ERROR');
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
    return { ...this.counts.snapshot(), gateways_evicted: this.gateways.evicted };
  }

  /** The bound address, useful after binding port 0. */
  address(): { address: string; port: number } {
    const { address, port } = this.listeningSocket().address();
    return { address, port };
  }

  /**
   * DownlinkCapable: PULL_RESP to the forwarder that heard the uplink (delayed downlinks) or that
   * pulled last, then its TX_ACK mapped to a TxStatus. Never throws.
   */
  transmit(request: TxRequest): Promise<TxStatus> {
    return this.downlinks.transmit(request);
  }

  protected listeningSocket(): dgram.Socket {
    const socket = this.socket;
    if (!socket || this.currentState !== 'listening') {
      throw new UdpSourceError('not_started', `UDP source "${this.id}" is not listening`);
    }
    return socket;
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    try {
      this.handleDatagram(msg, rinfo);
    } catch (err) {
      // Only a bug in this file gets here; keep listening.
      this.counts.count('handler_errors');
      this.log.error({ err, from: formatHostPort(rinfo.address, rinfo.port) }, 'failed to handle datagram');
    }
  }

  private handleDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.counts.count('datagrams_received');
    if (!this.door.open) {
      const peek = peekPushData(msg);
      if (peek) {
        this.counts.count('push_data');
        this.reply(buildPushAck(peek.version, peek.token), rinfo);
        this.refuse(peek.frames);
        return;
      }
    }
    const receivedAt = this.now();
    const parsed = parseDatagram(msg);
    if (!parsed.ok) {
      this.counts.count('datagrams_malformed');
      this.counts.count(`malformed_${parsed.reason}`);
      this.log.debug(
        { from: formatHostPort(rinfo.address, rinfo.port), bytes: msg.length, reason: parsed.reason, detail: shorten(parsed.detail, 256) },
        'malformed datagram',
      );
      return;
    }
    this.handlePacket(parsed.packet, rinfo, receivedAt);
  }

  /** One well-formed datagram. Protected so a test harness can observe what was handled. */
  protected handlePacket(packet: GatewayPacket, rinfo: dgram.RemoteInfo, receivedAt: number): void {
    switch (packet.type) {
      case 'PUSH_DATA':
        this.reply(buildPushAck(packet.version, packet.token), rinfo);
        this.handlePushData(packet, receivedAt);
        return;
      case 'PULL_DATA':
        this.counts.count('pull_data');
        this.gateways.rememberPull(packet, rinfo, receivedAt);
        this.reply(buildPullAck(packet.version, packet.token), rinfo);
        return;
      case 'TX_ACK':
        this.downlinks.onTxAck(packet);
        return;
    }
  }

  private handlePushData(packet: PushDataPacket, receivedAt: number): void {
    this.counts.count('push_data');
    const origin: FrameOrigin = { gatewayEui: packet.gatewayEui };
    // A datagram the door let through, or one carrying a stat (kept): its rxpk may still be refused.
    const refusing = packet.rxpk.length > 0 && !this.door.open;
    if (refusing) this.refuse(packet.rxpk.length);
    for (const raw of refusing ? [] : packet.rxpk) {
      const result = rxpkToRadioFrame(raw, this.id, receivedAt);
      if (!result.ok) {
        this.counts.count('rxpk_invalid');
        this.counts.count(`rxpk_invalid_${result.reason}`);
        this.log.debug({ gatewayEui: packet.gatewayEui, reason: result.reason, detail: shorten(result.detail, 256) }, 'invalid rxpk');
        continue;
      }
      const implausible = checkRadioFrame(result.frame, this.bands);
      if (implausible) {
        this.counts.count('rxpk_invalid');
        this.counts.count(`${IMPLAUSIBLE_COUNTER_PREFIX}${implausible.reason}`);
        this.log.debug({ gatewayEui: packet.gatewayEui, reason: implausible.reason, detail: implausible.detail }, 'rxpk with impossible radio metadata refused');
        continue;
      }
      this.counts.count('rx_frames');
      this.counts.count(CRC_COUNTER[result.frame.crc]);
      if (result.frame.counterUs !== undefined) this.gateways.rememberTmstOwner(result.frame.counterUs, packet.gatewayEui);
      this.callHandler('onFrame', () => this.opts.onFrame(result.frame, origin));
    }
    if (packet.stat) {
      if (!packet.stat.ok) {
        this.counts.count('stat_invalid');
        this.log.debug({ gatewayEui: packet.gatewayEui, detail: shorten(packet.stat.detail, 256) }, 'invalid stat');
        return;
      }
      this.counts.count('stat_received');
      if (packet.stat.junkFields.length > 0) {
        this.counts.count('stat_junk_fields', packet.stat.junkFields.length);
        this.log.debug({ gatewayEui: packet.gatewayEui, fields: packet.stat.junkFields }, 'stat fields ignored');
      }
      const report: StatReport = { gatewayEui: packet.gatewayEui, receivedAt, stat: packet.stat.stat };
      this.gateways.rememberStat(report);
      const onStat = this.opts.onStat;
      if (onStat) this.callHandler('onStat', () => onStat(report));
    }
  }

  private refuse(frames: number): void {
    this.counts.count('datagrams_refused');
    this.counts.count('frames_refused', frames);
    this.door.refused(this.id, frames);
  }

  /** Runs a caller's handler; a throw is counted and logged, never passed on to the socket. */
  protected callHandler(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.counts.count('handler_errors');
      this.log.warn({ err, handler: name }, 'handler threw');
    }
  }

  private reply(datagram: Buffer, rinfo: dgram.RemoteInfo): void {
    const socket = this.socket;
    if (!socket) return;
    // One callback for every ack (no closure per datagram): the error names the peer itself.
    socket.send(datagram, rinfo.port, rinfo.address, this.onAckSent);
  }

  private readonly onAckSent = (err: Error | null): void => {
    if (!err) return;
    this.counts.count('send_errors');
    const peer = err as Error & { address?: string; port?: number };
    const to = peer.address !== undefined && peer.port !== undefined ? formatHostPort(peer.address, peer.port) : undefined;
    this.log.warn({ err, to }, 'failed to send ack');
  };
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
