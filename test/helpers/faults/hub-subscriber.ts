// The hub's side in the fault harness: a persistent MQTT session (clean: false) subscribed with QoS 1
// to every gateway's batch topic (`hub/batch`, see batchFilter), as a real hub would. Remembers every
// record seq and PHYPayload it receives, how often, and in which order seqs first arrived.
import { gunzipSync } from 'node:zlib';
import mqtt, { type MqttClient } from 'mqtt';
import { isGzip, type HubBatch } from '../../../src/mqtt/hub-batch.js';

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

  private constructor(readonly client: MqttClient) {
    client.on('message', (_topic, payload) => this.onBatch(payload));
  }

  static async connect(url: string, topicFilter: string, clientId: string, protocolVersion: 4 | 5 = 4): Promise<HubSubscriber> {
    const client = mqtt.connect(url, { clientId, clean: false, protocolVersion, reconnectPeriod: 1000, connectTimeout: 5000, keepalive: 5 });
    client.on('error', () => undefined);
    const hub = new HubSubscriber(client);
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await client.subscribeAsync(topicFilter, { qos: 1 });
    return hub;
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
  }

  get highestSeq(): number {
    return this.highestFirstSeq;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}
