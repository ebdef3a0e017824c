// Uplink traffic for the fault harness: unique unconfirmed data-up frames sent over real UDP as a
// Semtech packet forwarder would (PUSH_DATA, protocol v2), at a steady rate. Every frame has an id;
// the harness learns which ones the daemon acknowledged (PUSH_ACK) and when.
import { createSocket, type Socket } from 'node:dgram';
import { buildDataUplink } from '../../../src/lorawan/builders.js';
import type { Prng } from './prng.js';

const KEYS = { nwkSKey: '000102030405060708090a0b0c0d0e0f', appSKey: '0f0e0d0c0b0a09080706050403020100' };

export interface SentFrame {
  id: number;
  sentAt: number;
  ackedAt: number | null;
}

export class UdpTraffic {
  readonly frames: SentFrame[] = [];
  /** Base64 PHYPayload -> frame id (what the hub sees in `phyPayload`). */
  readonly idByPayload = new Map<string, number>();
  private readonly byToken = new Map<number, SentFrame>();
  private socket: Socket;
  private timer: NodeJS.Timeout | undefined;
  private token = 0;
  private carry = 0;
  private readonly gatewayEui = Buffer.from('aa555a0000000101', 'hex');

  constructor(
    private readonly rng: Prng,
    private port: number,
  ) {
    this.socket = createSocket('udp4');
    this.socket.on('message', (msg) => {
      // PUSH_ACK: version, token (2 bytes), 0x01.
      if (msg.length >= 4 && msg[3] === 0x01) {
        const f = this.byToken.get(msg.readUInt16BE(1));
        if (f && f.ackedAt === null) f.ackedAt = Date.now();
        this.byToken.delete(msg.readUInt16BE(1));
      }
    });
    this.socket.on('error', () => undefined);
  }

  async open(): Promise<void> {
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    this.socket.setRecvBufferSize(4 * 1024 * 1024);
  }

  sendOne(): void {
    const id = this.frames.length + 1;
    const devAddr = this.rng.bytes(4).toString('hex');
    const payload = Buffer.concat([Buffer.from([id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]), this.rng.bytes(8)]);
    const phy = buildDataUplink({ devAddr, ...KEYS, fCnt32: id & 0xffff, fPort: 1 + (id % 200), payload });
    const b64 = phy.toString('base64');
    const frame: SentFrame = { id, sentAt: Date.now(), ackedAt: null };
    this.frames.push(frame);
    this.idByPayload.set(b64, id);
    this.token = (this.token + 1) & 0xffff;
    // A token reused after 65,536 frames: the older frame's ack is not coming any more.
    this.byToken.delete(this.token);
    this.byToken.set(this.token, frame);
    const rxpk = {
      tmst: (id * 1000) >>> 0,
      chan: id % 8,
      rfch: 0,
      freq: 868.1 + 0.2 * (id % 3),
      stat: 1,
      modu: 'LORA',
      datr: 'SF7BW125',
      codr: '4/5',
      rssi: -40 - (id % 80),
      lsnr: 7.5,
      size: phy.length,
      data: b64,
    };
    const head = Buffer.from([2, this.token >> 8, this.token & 0xff, 0x00]);
    const datagram = Buffer.concat([head, this.gatewayEui, Buffer.from(JSON.stringify({ rxpk: [rxpk] }))]);
    this.socket.send(datagram, this.port, '127.0.0.1');
  }

  /** Sends `perSecond` frames a second until stop(). */
  run(perSecond: number): void {
    const tickMs = 10;
    this.timer = setInterval(() => {
      this.carry += (perSecond * tickMs) / 1000;
      while (this.carry >= 1) {
        this.carry -= 1;
        this.sendOne();
      }
    }, tickMs);
  }

  /**
   * Sends `count` frames as fast as the daemon acknowledges them, with at most `window` frames
   * unacknowledged (more would overrun the daemon's socket buffer and be dropped by the kernel).
   */
  async burst(count: number, window = 500): Promise<void> {
    const deadline = Date.now() + 10_000 + count;
    for (let i = 0; i < count; i++) {
      while (this.byToken.size >= window && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      this.sendOne();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  acked(): SentFrame[] {
    return this.frames.filter((f) => f.ackedAt !== null);
  }

  async close(): Promise<void> {
    this.stop();
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}
