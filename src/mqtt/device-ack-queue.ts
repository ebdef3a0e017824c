// Device-command events (queued, sent, acked, failed) for the hub. While the broker is unreachable
// they wait in a bounded queue and go out, in order, when the link returns; only beyond the bound
// are the oldest dropped, counted and logged.
import type { Logger } from '../log.js';
import { isPacketTooLarge } from './packet-size.js';

interface Publisher {
  readonly online: boolean;
  publish(topic: string, payload: Buffer | string, qos: 0 | 1): Promise<void>;
}

export class DeviceAckQueue {
  private readonly waiting: string[] = [];
  dropped = 0;
  /** Events refused as larger than the MQTT packet limit (logged by the hub client); never retried. */
  tooLarge = 0;

  constructor(
    private readonly hub: Publisher,
    private readonly topic: string,
    private readonly log: Logger,
    private readonly limit = 10_000,
  ) {}

  publish(event: object): void {
    const text = JSON.stringify(event);
    if (this.hub.online && this.waiting.length === 0) this.send(text);
    else this.enqueue(text);
  }

  private enqueue(text: string): void {
    this.waiting.push(text);
    if (this.waiting.length > this.limit) {
      this.waiting.shift();
      if (this.dropped++ === 0) this.log.warn({ limit: this.limit }, 'device-ack events waiting for the broker exceed the limit: dropping the oldest');
    }
  }

  private send(text: string): void {
    this.hub.publish(this.topic, text, 1).catch((err: unknown) => {
      // Too large for the broker: sending it again would fail again (and, sent, would cut the link).
      if (isPacketTooLarge(err)) this.tooLarge += 1;
      else this.enqueue(text);
    });
  }

  /** Sends what waited (called when the broker connection comes back). */
  flush(): void {
    while (this.waiting.length && this.hub.online) this.send(this.waiting.shift()!);
  }
}
