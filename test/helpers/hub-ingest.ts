// Helpers for ingest tests: a gateway-like publisher of batches (QoS 1) and a wait for a condition.
import mqtt, { type MqttClient } from 'mqtt';
import type { HubBatch } from '../../src/mqtt/hub-batch.js';
import { batchPayload, batchTopic } from './hub-batches.js';

export async function connectPublisher(url: string, protocolVersion: 4 | 5 = 4): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId: `gw-pub-${Math.random().toString(16).slice(2)}`, protocolVersion, reconnectPeriod: 200 });
  client.on('error', () => undefined);
  await new Promise<void>((r) => client.once('connect', () => r()));
  return client;
}

export async function publishBatch(client: MqttClient, batch: HubBatch): Promise<void> {
  await client.publishAsync(batchTopic(batch.gatewayId), batchPayload(batch), { qos: 1 });
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
