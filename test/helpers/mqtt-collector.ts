// A subscriber that collects messages and lets a test wait for a condition.
import mqtt, { type MqttClient } from 'mqtt';

export interface Collected {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

export class Collector {
  readonly messages: Collected[] = [];
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload, retain: packet.retain });
      this.waiters = this.waiters.filter((w) => {
        if (!w.check()) return true;
        w.resolve();
        return false;
      });
    });
  }

  static async connect(url: string, filters: string[], clientId = `collector-${Math.random().toString(16).slice(2)}`): Promise<Collector> {
    const client = mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 200, clean: true });
    const c = new Collector(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(filters, { qos: 1 });
    return c;
  }

  on(topicSuffix: string): Collected[] {
    return this.messages.filter((m) => m.topic.endsWith(topicSuffix));
  }

  /** Resolves when `check` is true; rejects after `timeoutMs` with `what` in the message. */
  waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ check, resolve: done });
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
