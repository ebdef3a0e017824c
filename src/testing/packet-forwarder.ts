// A stand-in for a Semtech packet forwarder (lora_pkt_fwd) talking GWMP to a server over UDP.
// Like the real one it pushes from one socket and pulls from another, so a server that sends
// downlinks to the PUSH_DATA address instead of the PULL_DATA address is caught. Every PULL_RESP
// is recorded (tests read the txpk and decrypt its payload) and answered with a TX_ACK that a test
// can decide per downlink, or withhold.

import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import type { CrcStatus } from '../radio/radio-frame.js';
import { parseHostPort, type HostPort } from '../radio/udp/bind-address.js';
import { formatLoraDatr } from '../radio/udp/datr.js';
import {
  buildPullData,
  buildPushData,
  buildTxAck,
  parseServerDatagram,
  type ServerPacket,
  type TxAckDetails,
} from '../radio/udp/gateway-side.js';
import type { ProtocolVersion } from '../radio/udp/gwmp.js';

export interface PacketForwarderSimOptions {
  /** Server "host:port". */
  target: string;
  gatewayEui: string;
  version?: ProtocolVersion;
  /** How long to wait for PUSH_ACK / PULL_ACK. The reference forwarder waits 100 / 200 ms. */
  ackTimeoutMs?: number;
  /** Error every TX_ACK reports, e.g. "TOO_LATE"; null (default) sends a TX_ACK without JSON (= accepted). */
  txAckError?: string | null;
  /** Decides the TX_ACK per downlink; overrides txAckError. See TxAckDecider. */
  txAck?: TxAckDecider;
  /** Local address for both sockets; defaults to the loopback of the target's family. */
  bindHost?: string;
}

/**
 * What the simulated forwarder answers to one PULL_RESP: null = TX_ACK without JSON (accepted),
 * details = TX_ACK with that `txpk_ack` (e.g. `{ error: 'TOO_LATE' }` or `{ warn: 'TX_POWER', value: 14 }`),
 * 'none' = no TX_ACK at all (lost datagram, hung forwarder).
 */
export type TxAckDecision = TxAckDetails | null | 'none';
export type TxAckDecider = (txpk: Record<string, unknown>, received: ReceivedPullResp) => TxAckDecision;

export interface AckOutcome {
  acked: boolean;
  token: number;
}

export interface ReceivedPullResp {
  token: number;
  version: ProtocolVersion;
  txpk: Record<string, unknown>;
  receivedAt: number;
  /** What the simulator answered (version 1 forwarders never answer: 'none'). */
  answered?: TxAckDecision;
}

export interface PacketForwarderCounters {
  pushesSent: number;
  pushAcks: number;
  pushTimeouts: number;
  pullsSent: number;
  pullAcks: number;
  pullTimeouts: number;
  pullRespReceived: number;
  txAcksSent: number;
  /** Datagrams from the server that were not valid GWMP server packets, or arrived on the wrong socket. */
  strayDatagrams: number;
  socketErrors: number;
}

interface Waiter {
  resolve: (acked: boolean) => void;
  timer: NodeJS.Timeout;
}

export class PacketForwarderSim {
  readonly gatewayEui: string;
  readonly version: ProtocolVersion;
  readonly pullResponses: ReceivedPullResp[] = [];
  private readonly target: HostPort;
  private readonly ackTimeoutMs: number;
  private txAckError: string | null;
  private txAckDecider: TxAckDecider | undefined;
  private readonly up: dgram.Socket;
  private readonly down: dgram.Socket;
  private readonly ready: Promise<void>;
  private readonly pushWaiters = new Map<number, Waiter>();
  private readonly pullWaiters = new Map<number, Waiter>();
  private pullRespWaiters: Array<(r: ReceivedPullResp | undefined) => void> = [];
  private closed = false;
  private readonly counts: PacketForwarderCounters = {
    pushesSent: 0,
    pushAcks: 0,
    pushTimeouts: 0,
    pullsSent: 0,
    pullAcks: 0,
    pullTimeouts: 0,
    pullRespReceived: 0,
    txAcksSent: 0,
    strayDatagrams: 0,
    socketErrors: 0,
  };
  private pullRespTaken = 0;

  constructor(opts: PacketForwarderSimOptions) {
    this.target = parseHostPort(opts.target);
    this.gatewayEui = opts.gatewayEui.toLowerCase();
    this.version = opts.version ?? 2;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 500;
    this.txAckError = opts.txAckError ?? null;
    this.txAckDecider = opts.txAck;
    this.up = dgram.createSocket(this.target.family);
    this.down = dgram.createSocket(this.target.family);
    for (const socket of [this.up, this.down]) {
      socket.on('message', (msg) => this.onServerDatagram(msg, socket));
      socket.on('error', () => this.counts.socketErrors++);
    }
    const host = opts.bindHost ?? (this.target.family === 'udp6' ? '::1' : '127.0.0.1');
    this.ready = Promise.all([bindSocket(this.up, host), bindSocket(this.down, host)]).then(() => undefined);
  }

  counters(): PacketForwarderCounters {
    return { ...this.counts };
  }

  /** Local ports of the push (up) and pull (down) sockets. */
  async localPorts(): Promise<{ up: number; down: number }> {
    await this.ready;
    return { up: this.up.address().port, down: this.down.address().port };
  }

  setTxAckError(error: string | null): void {
    this.txAckError = error;
  }

  /** Per-downlink TX_ACK decisions from now on; undefined goes back to txAckError. */
  setTxAckDecider(decider: TxAckDecider | undefined): void {
    this.txAckDecider = decider;
  }

  /** The most recent PULL_RESP received, if any (does not consume it for nextPullResp). */
  lastPullResp(): ReceivedPullResp | undefined {
    return this.pullResponses[this.pullResponses.length - 1];
  }

  /** Sends PUSH_DATA with these rxpk entries (anything, for fault injection) and waits for the matching PUSH_ACK. */
  pushRxpk(rxpks: unknown[], extra: { stat?: object } = {}): Promise<AckOutcome> {
    const json: Record<string, unknown> = { rxpk: rxpks };
    if (extra.stat) json.stat = extra.stat;
    return this.pushJson(json);
  }

  pushStat(stat: object): Promise<AckOutcome> {
    return this.pushJson({ stat });
  }

  /** Sends any JSON object as PUSH_DATA (for malformed-content tests). */
  async pushJson(json: object): Promise<AckOutcome> {
    await this.ready;
    const token = this.freeToken(this.pushWaiters);
    const acked = this.waitFor(this.pushWaiters, token);
    await send(this.up, buildPushData(this.version, token, this.gatewayEui, json), this.target);
    this.counts.pushesSent++;
    return { acked: await acked, token };
  }

  /** Keepalive; resolves when the PULL_ACK arrives or the wait times out. */
  async pullData(): Promise<AckOutcome> {
    await this.ready;
    const token = this.freeToken(this.pullWaiters);
    const acked = this.waitFor(this.pullWaiters, token);
    await send(this.down, buildPullData(this.version, token, this.gatewayEui), this.target);
    this.counts.pullsSent++;
    return { acked: await acked, token };
  }

  /** Sends bytes as they are, from the push socket or (via: 'down') the pull socket. */
  async sendRaw(buf: Buffer, via: 'up' | 'down' = 'up'): Promise<void> {
    await this.ready;
    await send(via === 'up' ? this.up : this.down, buf, this.target);
  }

  /** Resolves with the next PULL_RESP (or one already received and not yet taken), undefined on timeout. */
  nextPullResp(timeoutMs = this.ackTimeoutMs): Promise<ReceivedPullResp | undefined> {
    if (this.pullResponses.length > this.pullRespTaken) return Promise.resolve(this.pullResponses[this.pullRespTaken++]);
    return new Promise((resolve) => {
      const waiter = (r: ReceivedPullResp | undefined): void => {
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        this.pullRespWaiters = this.pullRespWaiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      this.pullRespWaiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiters of [this.pushWaiters, this.pullWaiters]) {
      for (const w of waiters.values()) {
        clearTimeout(w.timer);
        w.resolve(false);
      }
      waiters.clear();
    }
    for (const w of this.pullRespWaiters) w(undefined);
    this.pullRespWaiters = [];
    await this.ready.catch(() => undefined);
    await Promise.all([closeSocket(this.up), closeSocket(this.down)]);
  }

  private decideTxAck(txpk: Record<string, unknown>, received: ReceivedPullResp): TxAckDecision {
    if (this.txAckDecider) {
      try {
        return this.txAckDecider(txpk, received);
      } catch {
        // A throwing test callback must not kill the socket handler; the server sees a lost TX_ACK.
        return 'none';
      }
    }
    return this.txAckError === null ? null : { error: this.txAckError };
  }

  private freeToken(inUse: Map<number, Waiter>): number {
    let token = randomInt(0, 0x10000);
    while (inUse.has(token)) token = (token + 1) & 0xffff;
    return token;
  }

  private waitFor(waiters: Map<number, Waiter>, token: number): Promise<boolean> {
    const isPush = waiters === this.pushWaiters;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiters.delete(token);
        if (isPush) this.counts.pushTimeouts++;
        else this.counts.pullTimeouts++;
        resolve(false);
      }, this.ackTimeoutMs);
      waiters.set(token, { resolve, timer });
    });
  }

  private settle(waiters: Map<number, Waiter>, token: number): boolean {
    const w = waiters.get(token);
    if (!w) return false;
    waiters.delete(token);
    clearTimeout(w.timer);
    w.resolve(true);
    return true;
  }

  private onServerDatagram(msg: Buffer, socket: dgram.Socket): void {
    const parsed = parseServerDatagram(msg);
    if (!parsed.ok) {
      this.counts.strayDatagrams++;
      return;
    }
    const packet: ServerPacket = parsed.packet;
    if (packet.type === 'PUSH_ACK') {
      if (socket === this.up && this.settle(this.pushWaiters, packet.token)) this.counts.pushAcks++;
      else this.counts.strayDatagrams++;
    } else if (packet.type === 'PULL_ACK') {
      if (socket === this.down && this.settle(this.pullWaiters, packet.token)) this.counts.pullAcks++;
      else this.counts.strayDatagrams++;
    } else {
      this.onPullResp(packet.token, packet.version, packet.txpk, socket);
    }
  }

  private onPullResp(token: number, version: ProtocolVersion, txpk: Record<string, unknown>, socket: dgram.Socket): void {
    if (socket !== this.down) {
      // A real forwarder never reads its push socket for downlinks.
      this.counts.strayDatagrams++;
      return;
    }
    this.counts.pullRespReceived++;
    const received: ReceivedPullResp = { token, version, txpk, receivedAt: Date.now() };
    this.pullResponses.push(received);
    const waiter = this.pullRespWaiters.shift();
    if (waiter) {
      this.pullRespTaken++;
      waiter(received);
    }
    // TX_ACK came with protocol version 2; version 1 forwarders never send it.
    const decision = this.version === 1 ? 'none' : this.decideTxAck(txpk, received);
    received.answered = decision;
    if (decision === 'none' || this.closed) return;
    send(this.down, buildTxAck(this.version, token, this.gatewayEui, decision ?? undefined), this.target).then(
      () => this.counts.txAcksSent++,
      () => this.counts.socketErrors++,
    );
  }
}

/** The PHYPayload a txpk carries (its base64 `data`). */
export function txpkPayload(txpk: Record<string, unknown>): Buffer {
  if (typeof txpk.data !== 'string') throw new TypeError('txpk has no base64 "data" string');
  return Buffer.from(txpk.data, 'base64');
}

export interface RxpkSpec {
  payload: Buffer;
  freqHz?: number;
  /** LoRa unless fskDatarate is given. */
  sf?: number;
  bw?: number;
  codr?: string;
  fskDatarate?: number;
  rssi?: number;
  snr?: number;
  chan?: number;
  rfch?: number;
  tmst?: number;
  /** ISO 8601 time; omitted unless given (gateways without GPS send none). */
  time?: string;
  tmms?: number;
  stat?: CrcStatus;
}

const STAT_BY_CRC: Record<CrcStatus, number> = { ok: 1, bad: -1, none: 0 };

/** A well-formed rxpk object as lora_pkt_fwd would send it. Defaults: 868.1 MHz, SF7BW125, 4/5, CRC ok. */
export function makeRxpk(spec: RxpkSpec): Record<string, unknown> {
  const rxpk: Record<string, unknown> = {
    tmst: spec.tmst ?? 0,
    chan: spec.chan ?? 0,
    rfch: spec.rfch ?? 0,
    freq: (spec.freqHz ?? 868_100_000) / 1e6,
    stat: STAT_BY_CRC[spec.stat ?? 'ok'],
  };
  if (spec.time !== undefined) rxpk.time = spec.time;
  if (spec.tmms !== undefined) rxpk.tmms = spec.tmms;
  if (spec.fskDatarate !== undefined) {
    rxpk.modu = 'FSK';
    rxpk.datr = spec.fskDatarate;
  } else {
    rxpk.modu = 'LORA';
    rxpk.datr = formatLoraDatr(spec.sf ?? 7, spec.bw ?? 125_000);
    rxpk.codr = spec.codr ?? '4/5';
    rxpk.lsnr = spec.snr ?? 9.5;
  }
  rxpk.rssi = spec.rssi ?? -60;
  rxpk.size = spec.payload.length;
  rxpk.data = spec.payload.toString('base64');
  return rxpk;
}

function bindSocket(socket: dgram.Socket, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

function send(socket: dgram.Socket, buf: Buffer, to: HostPort): Promise<void> {
  return new Promise((resolve, reject) => socket.send(buf, to.port, to.host, (err) => (err ? reject(err) : resolve())));
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
