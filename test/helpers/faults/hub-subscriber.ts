// The hub's side in the fault harness: a persistent MQTT session (clean: false) subscribed with QoS 1
// to every gateway's batch topic (`hub/batch`, see batchFilter), as a real hub would. Remembers every
// record seq and PHYPayload it receives, how often, and in which order seqs first arrived. With
// `ackPrefix` it acknowledges every batch it processed on the gateway's `hub/ack` topic, as a hub
// does for gateways with batch.hubAck on; `goOffline`/`comeBack` leave and resume its session.
import { gunzipSync } from 'node:zlib';
import mqtt, { type MqttClient } from 'mqtt';
import { hubAckMessage, isGzip, type HubBatch } from '../../../src/mqtt/hub-batch.js';
import { Topics } from '../../../src/mqtt/chirpstack/topics.js';

export class HubSubscriber {
  /** seq -> times received. */
  readonly seqCount = new Map<number, number>();
  /** Base64 PHYPayload -> times received. */
  readonly payloadCount = new Map<string, number>();
  batches = 0;
  badBatches = 0;
  /** First arrivals whose seq was lower than an earlier first arrival. */
  outOfOrder = 0;
  private highestFirstSeq = 0;

  /** Acknowledgements published (batch ids). */
  acksSent = 0;
  client: MqttClient;

  private constructor(
    private readonly url: string,
    private readonly topicFilter: string,
    private readonly clientId: string,
    private readonly protocolVersion: 4 | 5,
    private readonly ackPrefix: string | undefined,
  ) {
    this.client = this.open();
  }

  private open(): MqttClient {
    const client = mqtt.connect(this.url, {
      clientId: this.clientId, clean: false, protocolVersion: this.protocolVersion, reconnectPeriod: 1000, connectTimeout: 5000, keepalive: 5,
    });
    client.on('error', () => undefined);
    client.on('message', (_topic, payload) => this.onBatch(payload));
    return client;
  }

  private async ready(): Promise<void> {
    const client = this.client;
    if (!client.connected) await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await client.subscribeAsync(this.topicFilter, { qos: 1 });
  }

  static async connect(
    url: string, topicFilter: string, clientId: string, protocolVersion: 4 | 5 = 4, opts: { ackPrefix?: string } = {},
  ): Promise<HubSubscriber> {
    const hub = new HubSubscriber(url, topicFilter, clientId, protocolVersion, opts.ackPrefix);
    await hub.ready();
    return hub;
  }

  /** Disconnects cleanly, keeping the session: the broker queues batches for it meanwhile. */
  async goOffline(): Promise<void> {
    await this.client.endAsync(false).catch(() => undefined);
  }

  /** Resumes the same session. */
  async comeBack(): Promise<void> {
    this.client = this.open();
    await this.ready();
  }

  private onBatch(payload: Buffer): void {
    let batch: HubBatch;
    try {
      batch = JSON.parse((isGzip(payload) ? gunzipSync(payload) : payload).toString('utf8')) as HubBatch;
    } catch {
      this.badBatches += 1;
      return;
    }
    this.batches += 1;
    if (process.env.LORA_EDGE_TRACE_HUB) console.log(`hub received ${new Date().toISOString()} ${batch.batchId}`);
    for (const r of batch.records) {
      const n = this.seqCount.get(r.seq) ?? 0;
      if (n === 0) {
        if (r.seq < this.highestFirstSeq) this.outOfOrder += 1;
        this.highestFirstSeq = Math.max(this.highestFirstSeq, r.seq);
      }
      this.seqCount.set(r.seq, n + 1);
      this.payloadCount.set(r.phyPayload, (this.payloadCount.get(r.phyPayload) ?? 0) + 1);
    }
    if (this.ackPrefix !== undefined) {
      this.acksSent += 1;
      const topic = new Topics(this.ackPrefix, batch.gatewayId).hub('ack');
      this.client.publish(topic, hubAckMessage([batch.batchId]), { qos: 1 }, () => undefined);
    }
  }

  get highestSeq(): number {
    return this.highestFirstSeq;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}
