// A minimal MQTT 3.1.1 subscriber for the benches: CONNECT, SUBSCRIBE, PUBLISH in (QoS 0 or 1,
// acknowledged at once) and DISCONNECT, nothing else. At full rate the live stream is one message
// per frame, and mqtt.js spent about 20 µs of the machine's two cores on each, CPU the daemon being
// measured could not have; this hands each message over with one topic string and one payload view.
// Only the incoming packets are read by hand; the few it sends are mqtt-packet's.
import net from 'node:net';
import mqttPacket from 'mqtt-packet';

const CONNACK = 0x20;
const SUBACK = 0x90;
const PUBLISH = 0x30;

export interface LightSubscription {
  topic: string;
  qos: 0 | 1;
}

export class LightSubscriber {
  private pending: Buffer = Buffer.alloc(0);
  private ready: { resolve: () => void; reject: (err: Error) => void } | null = null;

  private constructor(
    private readonly socket: net.Socket,
    private readonly onMessage: (topic: string, payload: Buffer) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.ready?.reject(err));
    socket.on('close', () => this.ready?.reject(new Error('the broker closed the connection')));
  }

  /** Connects (clean session, no keepalive) and subscribes; resolves once the SUBACK arrived. */
  static async connect(
    url: string,
    clientId: string,
    subscriptions: LightSubscription[],
    onMessage: (topic: string, payload: Buffer) => void,
  ): Promise<LightSubscriber> {
    const { hostname, port } = new URL(url);
    const socket = net.connect({ host: hostname, port: Number(port) || 1883 });
    socket.setNoDelay(true);
    const sub = new LightSubscriber(socket, onMessage);
    await sub.expect(() => {
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 0, clientId }));
    });
    await sub.expect(() => {
      socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions }));
    });
    return sub;
  }

  async close(): Promise<void> {
    this.ready = null;
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
    });
  }

  /** Sends with `send` and waits for the CONNACK or SUBACK it asks for. */
  private expect(send: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ready = { resolve, reject };
      send();
    });
  }

  private onData(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    for (;;) {
      if (buf.length - at < 2) break;
      let length = 0;
      let multiplier = 1;
      let i = at + 1;
      let complete = false;
      while (i < buf.length && i < at + 5) {
        const byte = buf[i++];
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || buf.length - i < length) break;
      this.onPacket(buf[at], buf.subarray(i, i + length));
      at = i + length;
    }
    buf = buf.subarray(at);
    // Kept as a copy: a view would pin the socket's whole chunk until the next packet completes.
    this.pending = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
  }

  private onPacket(first: number, body: Buffer): void {
    const type = first & 0xf0;
    if (type === PUBLISH) {
      const qos = (first >> 1) & 3;
      const topicLength = body.readUInt16BE(0);
      const topic = body.toString('utf8', 2, 2 + topicLength);
      let payloadAt = 2 + topicLength;
      if (qos > 0) {
        this.socket.write(mqttPacket.generate({ cmd: 'puback', messageId: body.readUInt16BE(payloadAt) }));
        payloadAt += 2;
      }
      this.onMessage(topic, body.subarray(payloadAt));
    } else if (type === CONNACK) {
      if (body[1] !== 0) this.ready?.reject(new Error(`the broker refused the connection (return code ${body[1]})`));
      else this.ready?.resolve();
    } else if (type === SUBACK) {
      if (body.subarray(2).some((rc) => rc === 0x80)) this.ready?.reject(new Error('the broker refused a subscription'));
      else this.ready?.resolve();
    }
  }
}

const BATCH_ID = Buffer.from('"batchId":"');
/** Where the envelope's batchId is looked for: it comes before the records (hub-batch.ts). */
const ENVELOPE_HEAD_BYTES = 512;

/**
 * The first and last seq of a hub batch, from its batchId (`first-last`), without parsing the
 * records: counting them with JSON.parse (or a byte scanner) cost the bench 8-11 µs of CPU per
 * record. The records of a batch are the stored seqs in that range; a fresh store with nothing
 * dropped has no gaps, so the range is the count there (the spine bench checks the total).
 */
export function batchSeqRange(json: Buffer): { first: number; last: number } | null {
  const at = json.subarray(0, ENVELOPE_HEAD_BYTES).indexOf(BATCH_ID);
  if (at < 0) return null;
  const start = at + BATCH_ID.length;
  const end = json.indexOf(0x22, start);
  const m = /^(\d+)-(\d+)$/.exec(json.toString('latin1', start, end));
  return m ? { first: Number(m[1]), last: Number(m[2]) } : null;
}

/**
 * The records of the batches a bench's hub received, counted from their seq ranges. The JSON.parse
 * fallback is for a batch whose batchId the envelope does not lead with (never seen from ours).
 */
export class BatchRecordCount {
  records = 0;
  highestSeq = 0;

  add(payload: Buffer): void {
    const range = batchSeqRange(payload);
    if (range) {
      this.records += range.last - range.first + 1;
      this.highestSeq = Math.max(this.highestSeq, range.last);
    } else this.records += (JSON.parse(payload.toString()) as { records: unknown[] }).records.length;
  }

  /** A fresh store without drops numbers its records 1..n: a count that differs means a batch came twice, or gaps. */
  mismatch(): string | null {
    return this.highestSeq === this.records
      ? null
      : `${this.records} records counted from batch ranges, but the highest seq is ${this.highestSeq} (a re-sent batch, or gaps)`;
  }
}
