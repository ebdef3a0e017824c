// The MQTT connection to the hub: persistent session under the gateway id, retained ConnState with an
// OFFLINE last will, ONLINE after every (re)connect, reconnect with back-off, and a publish-ack
// watchdog (a connection that accepts publishes but never acknowledges them is torn down).
//
// Durable buffering is NOT done here: callers publish only while `online`, so mqtt.js never queues
// unbounded data in RAM. What is in flight when the link drops stays in mqtt.js's store and is re-sent
// after the reconnect (the promise then resolves); the outbox keeps everything else.
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import type { Logger } from '../log.js';
import { Topics } from './topics.js';
import { marshal, toConnState, type Marshaler } from './chirpstack.js';

/** Bytes queued on the socket above which live (QoS 0) copies are skipped. */
const LIVE_BACKLOG_LIMIT = 1024 * 1024;

export interface HubClientOptions {
  url: string;
  gatewayId: string;
  topicPrefix: string;
  marshaler: Marshaler;
  clientId?: string;
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
  keepaliveMs: number;
  publishTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  logger: Logger;
  /** Commands arriving on <prefix>/gateway/<id>/command/<name>. */
  onCommand?: (name: string, payload: Buffer) => void;
  /** MQTT protocol version; 4 (3.1.1) works with every broker, aedes included. */
  protocolVersion?: 4 | 5;
}

export interface HubCounters {
  connects: number;
  reconnects: number;
  disconnects: number;
  publishTimeouts: number;
  published: number;
  acked: number;
  publishErrors: number;
  liveSkipped: number;
}

export class HubClient {
  readonly topics: Topics;
  private client: MqttClient | undefined;
  private isOnline = false;
  private stopping = false;
  private everConnected = false;
  private readonly onlineListeners: Array<() => void> = [];
  private readonly offlineListeners: Array<() => void> = [];
  private readonly log: Logger;
  private lastError = '';
  private onlineSinceMs = 0;
  readonly stats: HubCounters = {
    connects: 0, reconnects: 0, disconnects: 0, publishTimeouts: 0, published: 0, acked: 0, publishErrors: 0, liveSkipped: 0,
  };

  constructor(private readonly opts: HubClientOptions) {
    this.topics = new Topics(opts.topicPrefix, opts.gatewayId);
    this.log = opts.logger;
  }

  get online(): boolean {
    return this.isOnline;
  }

  /** When the current connection came up (ms), 0 while offline. */
  get onlineSince(): number {
    return this.isOnline ? this.onlineSinceMs : 0;
  }

  state(): string {
    if (this.isOnline) return 'connected';
    return this.lastError ? `disconnected (${this.lastError})` : 'connecting';
  }

  onOnline(listener: () => void): void {
    this.onlineListeners.push(listener);
  }

  onOffline(listener: () => void): void {
    this.offlineListeners.push(listener);
  }

  /** Starts connecting in the background; the daemon runs (and stores uplinks) while offline. */
  start(): void {
    const o = this.opts;
    const options: IClientOptions = {
      clientId: o.clientId ?? o.gatewayId,
      clean: false,
      protocolVersion: o.protocolVersion ?? 4,
      keepalive: Math.max(1, Math.round(o.keepaliveMs / 1000)),
      reconnectPeriod: o.reconnectMinMs,
      connectTimeout: 10_000,
      queueQoSZero: false,
      // A refused CONNECT (bad credentials, not authorised) is retried with back-off too: the broker
      // side may be fixed later, and a gateway must not give up on its own.
      reconnectOnConnackError: true,
      resubscribe: false,
      username: o.username,
      password: o.password,
      will: {
        topic: this.topics.state('conn'),
        payload: marshal(toConnState(o.gatewayId, false), o.marshaler),
        qos: 1,
        retain: true,
      },
    };
    if (o.url.startsWith('mqtts://')) {
      if (o.ca) options.ca = readFileSync(o.ca);
      if (o.cert) options.cert = readFileSync(o.cert);
      if (o.key) options.key = readFileSync(o.key);
    }
    const client = mqtt.connect(o.url, options);
    this.client = client;

    client.on('connect', () => {
      this.stats.connects += 1;
      if (this.everConnected) this.stats.reconnects += 1;
      this.everConnected = true;
      this.lastError = '';
      client.options.reconnectPeriod = o.reconnectMinMs;
      this.log.info({ url: o.url }, 'connected to the MQTT broker');
      // Re-subscribe on every connect: a persistent session is no guarantee the broker kept it.
      if (o.onCommand) {
        client.subscribe(this.topics.commandFilter(), { qos: 1 }, (err) => {
          if (err) this.log.error({ err: err.message }, 'subscribing to command topics failed');
        });
      }
      this.publishRaw(this.topics.state('conn'), marshal(toConnState(o.gatewayId, true), o.marshaler), 1, true).catch(
        (err: Error) => this.log.warn({ err: err.message }, 'publishing ONLINE state failed'),
      );
      this.setOnline(true);
    });
    client.on('message', (topic, payload) => {
      const name = this.topics.parseCommand(topic);
      if (name !== undefined && o.onCommand) {
        try {
          o.onCommand(name, payload);
        } catch (err) {
          this.log.error({ err: (err as Error).message, topic }, 'command handler failed');
        }
      }
    });
    client.on('error', (err) => {
      const msg = (err as NodeJS.ErrnoException).code ?? err.message;
      if (msg !== this.lastError) this.log.warn({ err: err.message, url: o.url }, 'MQTT connection error');
      this.lastError = msg;
    });
    client.on('close', () => {
      // mqtt.js destroys the stream without an 'error' event when it cannot even build the CONNECT
      // packet (say, a password without a user name): no TCP connection is made, ever. Say so.
      const refused = client.stream?.errored;
      if (refused && !(refused as NodeJS.ErrnoException).code && !this.stopping) {
        const msg = `cannot connect: ${refused.message}`;
        if (msg !== this.lastError) this.log.error({ err: refused.message, url: o.url }, 'the MQTT client refused to open the connection; fix the mqtt settings');
        this.lastError = msg;
      }
      this.setOnline(false);
      if (!this.stopping) {
        // Exponential back-off between attempts, reset by a successful connect.
        const next = Math.min(o.reconnectMaxMs, Math.max(o.reconnectMinMs, (client.options.reconnectPeriod ?? o.reconnectMinMs) * 2));
        client.options.reconnectPeriod = next;
      }
    });
    client.on('offline', () => this.setOnline(false));
  }

  private setOnline(online: boolean): void {
    if (online === this.isOnline) return;
    this.isOnline = online;
    if (online) this.onlineSinceMs = Date.now();
    else if (!this.stopping) {
      this.stats.disconnects += 1;
      this.log.warn('disconnected from the MQTT broker; uplinks are kept in the outbox');
    }
    for (const l of online ? this.onlineListeners : this.offlineListeners) {
      try {
        l();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'online/offline listener failed');
      }
    }
  }

  /**
   * Publishes with QoS 1 (resolves on PUBACK) or QoS 0 (resolves when written). Refuses while offline
   * so nothing piles up in RAM. A PUBACK that does not come within publishTimeout forces a reconnect;
   * the promise then stays pending until the message, re-sent after the reconnect, is acknowledged.
   */
  publish(topic: string, payload: Buffer | string, qos: 0 | 1 = 1, retain = false): Promise<void> {
    if (!this.isOnline || !this.client) return Promise.reject(new Error('not connected to the MQTT broker'));
    return this.publishRaw(topic, payload, qos, retain);
  }

  /**
   * Live-stream publish: QoS 0, only while online and while the socket keeps up; returns false
   * (and counts) when skipped. The batch stream carries every frame anyway, so under back-pressure
   * the live copy is the one given up, and memory stays bounded.
   */
  publishLive(topic: string, payload: Buffer | string): boolean {
    if (!this.isOnline || !this.client || (this.client.stream?.writableLength ?? 0) > LIVE_BACKLOG_LIMIT) {
      this.stats.liveSkipped += 1;
      return false;
    }
    this.publishRaw(topic, payload, 0, false).catch(() => {
      this.stats.liveSkipped += 1;
    });
    return true;
  }

  private publishRaw(topic: string, payload: Buffer | string, qos: 0 | 1, retain: boolean): Promise<void> {
    const client = this.client!;
    this.stats.published += 1;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      // The watchdog keeps watching until the PUBACK comes: while offline it only waits (mqtt.js
      // re-sends the message after the reconnect), while online it tears a silent connection down.
      const watch = () => {
        timer = setTimeout(() => {
          if (this.isOnline && !this.stopping) {
            this.stats.publishTimeouts += 1;
            this.log.warn({ topic, timeoutMs: this.opts.publishTimeoutMs }, 'broker did not acknowledge a publish in time; reconnecting');
            // Tearing the socket down makes mqtt.js reconnect and re-send what is in flight.
            client.stream?.destroy();
          }
          if (!this.stopping) watch();
        }, this.opts.publishTimeoutMs);
        timer.unref();
      };
      if (qos === 1) watch();
      client.publish(topic, payload, { qos, retain }, (err) => {
        if (timer) clearTimeout(timer);
        if (err) {
          this.stats.publishErrors += 1;
          reject(err);
        } else {
          if (qos === 1) this.stats.acked += 1;
          resolve();
        }
      });
    });
  }

  /** Publishes OFFLINE (retained) when connected, then disconnects. Bounded by `timeoutMs`. */
  async stop(timeoutMs = 2000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const client = this.client;
    if (!client) return;
    const deadline = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
    if (this.isOnline) {
      const offline = marshal(toConnState(this.opts.gatewayId, false), this.opts.marshaler);
      await Promise.race([this.publishRaw(this.topics.state('conn'), offline, 1, true).catch(() => undefined), deadline(timeoutMs / 2)]);
    }
    this.setOnline(false);
    await Promise.race([client.endAsync(false).catch(() => undefined), deadline(timeoutMs / 2)]);
    if (!client.disconnected) await client.endAsync(true).catch(() => undefined);
  }
}
