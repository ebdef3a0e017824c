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
import { Topics } from './chirpstack/topics.js';
import { NO_MATCHING_SUBSCRIBERS, NoSubscribersError } from './no-subscribers.js';
import { nextReconnectDelay } from './reconnect-backoff.js';
import { marshal, toConnState, type Marshaler } from './chirpstack.js';
import { DEFAULT_MAX_PACKET_SIZE, PacketTooLargeError, publishPacketSize } from './packet-size.js';
import { ReplayLoopGuard, SUSPECT_MIN_BYTES, type TrackedPublish } from './replay-loop-guard.js';
import { encodeQos0Publishes, type LiveMessage } from './qos0-publish-packet.js';

/** Delay before the first 3.1.1 attempt after a broker refused MQTT 5. */
const PROTOCOL_FALLBACK_RETRY_MS = 50;

/** Bytes queued on the socket above which live (QoS 0) copies are skipped. */
const LIVE_BACKLOG_LIMIT = 1024 * 1024;
/**
 * Live messages written at once without waiting for the end of the event-loop turn. Under load a
 * turn handles 32 datagrams of up to 8 frames each and lasts 20-100 ms: frames waiting that long
 * for the turn's end outlived two young-generation collections and were promoted (a quarter of
 * what the old generation collected at full rate).
 */
const LIVE_FLUSH_MESSAGES = 64;

export interface HubClientOptions {
  url: string;
  gatewayId: string;
  topicPrefix: string;
  /** Batches and device acks on `event/` as before issue 14 (mqtt.legacyHubTopics). */
  legacyHubTopics?: boolean;
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
  /**
   * Batches count as delivered only when the broker has a subscriber for them (MQTT 5 PUBACK reason
   * 0x10 otherwise). Ignored with MQTT 3.1.1, which cannot tell.
   */
  batchesNeedSubscriber?: boolean;
  /** Largest packet published (mqtt.maxPacketSize); an MQTT 5 broker's own smaller limit wins. */
  maxPacketSize?: number;
  /**
   * Largest packet the broker may send us (MQTT 5 announces it; the broker drops larger ones).
   * Default maxPacketSize; fleet bundles need more (fleet.maxBundleSize).
   */
  maxIncomingPacketSize?: number;
}

/** True when an MQTT topic matches a subscription filter with `+` and `#`. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Connection closes remembered for the reconnect-loop check (see closesWithin). */
const CLOSES_KEPT = 64;

export interface HubCounters {
  connects: number;
  reconnects: number;
  disconnects: number;
  publishTimeouts: number;
  published: number;
  acked: number;
  publishErrors: number;
  liveSkipped: number;
  /** Every attempt to open a connection, the first included: a loop that never connects shows here. */
  connectAttempts: number;
  /** Every closed connection or attempt, whether or not it had come up. */
  closes: number;
  /** Publishes refused because the packet would exceed the size limit (never sent, never retried). */
  oversizeRefused: number;
  /** Batches the broker acknowledged with "no matching subscribers" (MQTT 5): kept and sent again. */
  noSubscriber: number;
}

export class HubClient {
  readonly topics: Topics;
  private client: MqttClient | undefined;
  private isOnline = false;
  private stopping = false;
  /** Live messages accepted this event-loop turn, written at its end or every LIVE_FLUSH_MESSAGES (flushLive). */
  private liveQueue: Array<{ topic: string; payload: Buffer | string | (() => Buffer | string) }> = [];
  private liveFlushScheduled = false;
  private everConnected = false;
  private readonly onlineListeners: Array<() => void> = [];
  private readonly offlineListeners: Array<() => void> = [];
  private readonly log: Logger;
  private lastError = '';
  private onlineSinceMs = 0;
  readonly counters: HubCounters = {
    connects: 0, reconnects: 0, disconnects: 0, publishTimeouts: 0, published: 0, acked: 0, publishErrors: 0, liveSkipped: 0,
    connectAttempts: 0, closes: 0, oversizeRefused: 0, noSubscriber: 0,
  };
  /** MQTT version in use: 5 unless configured otherwise or the broker refused it. */
  private protocol: 4 | 5;
  private protocolFallbackPending = false;
  /** Message ids the broker acknowledged with "no matching subscribers" (read by the publish callback). */
  private readonly unsubscribedAcks = new Set<number>();
  /** The batch topic when batches need a subscriber (batchesNeedSubscriber), else undefined. */
  private readonly subscriberRequiredTopic: string | undefined;
  private readonly closeTimes: number[] = [];
  private brokerMaxPacketSize: number | undefined;
  /** Learnt from a message the broker kept closing the connection on (see ReplayLoopGuard). */
  private learnedMaxPacketSize: number | undefined;
  private readonly replayGuard = new ReplayLoopGuard();
  private readonly culprits = new Set<TrackedPublish>();
  private readonly oversizeLogged = new Set<string>();
  private readonly subscriptions: Array<{ filter: string; onMessage: (topic: string, payload: Buffer) => void }> = [];

  constructor(private readonly opts: HubClientOptions) {
    this.topics = new Topics(opts.topicPrefix, opts.gatewayId, { legacyHubTopics: opts.legacyHubTopics });
    this.log = opts.logger;
    this.protocol = opts.protocolVersion ?? 4;
    this.subscriberRequiredTopic = opts.batchesNeedSubscriber ? this.topics.hub('batch') : undefined;
    const onCommand = opts.onCommand;
    if (onCommand) {
      this.subscribe(this.topics.commandFilter(), (topic, payload) => {
        const name = this.topics.parseCommand(topic);
        if (name !== undefined) onCommand(name, payload);
      });
    }
  }

  /** The MQTT version in use (5 falls back to 3.1.1 with a broker that refuses it). */
  get protocolVersion(): 4 | 5 {
    return this.protocol;
  }

  get online(): boolean {
    // mqtt.js may have seen the socket close a moment before its 'close' event reaches us.
    return this.isOnline && this.client?.connected === true;
  }

  /** When the current connection came up (ms), 0 while offline. */
  get onlineSince(): number {
    return this.isOnline ? this.onlineSinceMs : 0;
  }

  state(): string {
    if (this.isOnline) return 'connected';
    return this.lastError ? `disconnected (${this.lastError})` : 'connecting';
  }

  /** The packet limit in force: ours, or the broker's when it announced a smaller one (MQTT 5). */
  get maxPacketSize(): number {
    const own = this.opts.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE;
    return Math.min(own, this.brokerMaxPacketSize ?? own, this.learnedMaxPacketSize ?? own);
  }

  /** Connections closed within the last `windowMs` (a reconnect loop shows as many). */
  closesWithin(windowMs: number, now = Date.now()): number {
    let n = 0;
    for (let i = this.closeTimes.length - 1; i >= 0 && now - this.closeTimes[i] <= windowMs; i--) n++;
    return n;
  }

  /**
   * Subscribes with QoS 1 on every (re)connect and hands matching messages (retained ones
   * included) to `onMessage`. Works before and after start().
   */
  subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): void {
    this.subscriptions.push({ filter, onMessage });
    // Added after the connection came up: subscribe now too (later connects do it for all).
    if (this.client?.connected) this.subscribeOn(this.client, filter);
  }

  private subscribeOn(client: MqttClient, filter: string): void {
    client.subscribe(filter, { qos: 1 }, (err) => {
      if (err) this.log.error({ err: err.message, filter }, 'subscribing failed');
    });
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
      protocolVersion: this.protocol,
      keepalive: Math.max(1, Math.round(o.keepaliveMs / 1000)),
      reconnectPeriod: o.reconnectMinMs,
      connectTimeout: 10_000,
      queueQoSZero: false,
      // A refused CONNECT (bad credentials, not authorised) is retried with back-off too: the broker
      // side may be fixed later, and a gateway must not give up on its own.
      reconnectOnConnackError: true,
      resubscribe: false,
      // Off: mqtt-packet's number cache holds 65,536 Buffers (about 7 MB of heap that every full GC
      // walks) for two-byte message ids; computing them is cheaper here.
      writeCache: false,
      // mqtt.js's own debug logging: its calls allocate an argument array per packet even when off.
      log: () => undefined,
      username: o.username,
      password: o.password,
      will: {
        topic: this.topics.state('conn'),
        payload: marshal(toConnState(o.gatewayId, false), o.marshaler),
        qos: 1,
        retain: true,
      },
    };
    // MQTT 5: the broker must not send us more than we publish at most (it drops such messages).
    if (this.protocol === 5) options.properties = { maximumPacketSize: Math.max(this.maxPacketSize, o.maxIncomingPacketSize ?? 0) };
    if (o.url.startsWith('mqtts://')) {
      if (o.ca) options.ca = readFileSync(o.ca);
      if (o.cert) options.cert = readFileSync(o.cert);
      if (o.key) options.key = readFileSync(o.key);
    }
    const client = mqtt.connect(o.url, options);
    this.client = client;
    this.counters.connectAttempts += 1;
    client.on('reconnect', () => {
      this.counters.connectAttempts += 1;
    });
    client.on('packetsend', (packet) => this.replayGuard.packetSent(packet as { cmd: string; messageId?: number; topic?: string; payload?: unknown }));
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'puback' && (packet as { reasonCode?: number }).reasonCode === NO_MATCHING_SUBSCRIBERS && packet.messageId !== undefined) {
        this.unsubscribedAcks.add(packet.messageId);
        return;
      }
      if (packet.cmd !== 'connack') return;
      const code = (packet as { returnCode?: number; reasonCode?: number }).reasonCode ?? (packet as { returnCode?: number }).returnCode;
      if (this.protocol === 5 && (code === 1 || code === 0x84)) {
        // A 3.1.1-only broker (aedes among them) refuses MQTT 5: speak 3.1.1 from the next attempt.
        this.protocol = 4;
        client.options.protocolVersion = 4;
        delete client.options.properties;
        // mqtt.js schedules the next attempt when this connection closes: make that one immediate.
        client.options.reconnectPeriod = PROTOCOL_FALLBACK_RETRY_MS;
        this.protocolFallbackPending = true;
        this.log.info({ url: o.url }, 'the broker does not speak MQTT 5: using 3.1.1 (batches then count as delivered once the broker acknowledges them, subscriber or not)');
        return;
      }
      this.replayGuard.connack();
      const brokerLimit = packet.properties?.maximumPacketSize;
      this.brokerMaxPacketSize = typeof brokerLimit === 'number' && brokerLimit > 0 ? brokerLimit : undefined;
    });

    client.on('connect', () => {
      this.counters.connects += 1;
      this.replayGuard.connected();
      if (this.everConnected) this.counters.reconnects += 1;
      this.everConnected = true;
      this.lastError = '';
      client.options.reconnectPeriod = o.reconnectMinMs;
      this.log.info({ url: o.url }, 'connected to the MQTT broker');
      // Re-subscribe on every connect: a persistent session is no guarantee the broker kept it.
      for (const sub of this.subscriptions) this.subscribeOn(client, sub.filter);
      this.publishRaw(this.topics.state('conn'), marshal(toConnState(o.gatewayId, true), o.marshaler), 1, true).catch(
        (err: Error) => this.log.warn({ err: err.message }, 'publishing ONLINE state failed'),
      );
      this.setOnline(true);
    });
    client.on('message', (topic, payload) => {
      for (const sub of this.subscriptions) {
        if (!topicMatches(sub.filter, topic)) continue;
        try {
          sub.onMessage(topic, payload);
        } catch (err) {
          this.log.error({ err: (err as Error).message, topic }, 'message handler failed');
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
      this.counters.closes += 1;
      this.closeTimes.push(Date.now());
      if (this.closeTimes.length > CLOSES_KEPT) this.closeTimes.shift();
      // Offline first: callers woken by a dropped message must not publish into a closed connection.
      this.setOnline(false);
      const culprit = this.replayGuard.closed();
      if (culprit?.messageId !== undefined) this.dropCulprit(client, culprit);
      if (this.protocolFallbackPending) {
        this.protocolFallbackPending = false;
        client.options.reconnectPeriod = o.reconnectMinMs;
      } else if (!this.stopping) {
        // Exponential back-off between attempts, reset by a successful connect.
        client.options.reconnectPeriod = nextReconnectDelay(client.options.reconnectPeriod ?? o.reconnectMinMs, o.reconnectMinMs, o.reconnectMaxMs);
      }
    });
    client.on('offline', () => this.setOnline(false));
  }

  private setOnline(online: boolean): void {
    if (online === this.isOnline) return;
    this.isOnline = online;
    if (online) this.onlineSinceMs = Date.now();
    else if (!this.stopping) {
      this.counters.disconnects += 1;
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
    // mqtt.js may already know the socket is gone before its 'close' reaches us: it would keep (a
    // copy of) the message in its store, which is exactly what must not happen.
    if (!this.online) return Promise.reject(new Error('not connected to the MQTT broker'));
    return this.publishRaw(topic, payload, qos, retain);
  }

  /**
   * Live-stream publish: QoS 0, only while online and while the socket keeps up; returns false
   * (and counts) when skipped. The batch stream carries every frame anyway, so under back-pressure
   * the live copy is the one given up, and memory stays bounded. `payload` may be a function: it is
   * built only when the message will be sent (protobuf costs CPU).
   */
  publishLive(topic: string, payload: Buffer | string | (() => Buffer | string)): boolean {
    if (!this.isOnline || !this.client || (this.client.stream?.writableLength ?? 0) > LIVE_BACKLOG_LIMIT) {
      this.counters.liveSkipped += 1;
      return false;
    }
    this.liveQueue.push({ topic, payload });
    if (this.liveQueue.length >= LIVE_FLUSH_MESSAGES) {
      this.flushLive();
    } else if (!this.liveFlushScheduled) {
      this.liveFlushScheduled = true;
      setImmediate(this.flushLiveAtTurnEnd);
    }
    return true;
  }

  private readonly flushLiveAtTurnEnd = (): void => {
    this.liveFlushScheduled = false;
    this.flushLive();
  };

  /**
   * The live messages queued (those of one event-loop turn, or LIVE_FLUSH_MESSAGES of them), encoded
   * into one buffer and written to the socket in one go (qos0-publish-packet.ts): one system call
   * for many frames, and none of mqtt.js's per-message objects. QoS 0 leaves no state in mqtt.js to
   * keep in step.
   */
  private flushLive(): void {
    const queue = this.liveQueue;
    this.liveQueue = [];
    const client = this.client;
    const stream = client?.stream;
    if (!this.isOnline || !client?.connected || this.stopping || !stream || stream.destroyed || !stream.writable) {
      this.counters.liveSkipped += queue.length;
      return;
    }
    const messages: LiveMessage[] = [];
    for (const { topic, payload } of queue) {
      const built = typeof payload === 'function' ? payload() : payload;
      const bytes = typeof built === 'string' ? Buffer.from(built) : built;
      const packetBytes = publishPacketSize(topic, bytes.length, 0, this.protocol);
      if (packetBytes > this.maxPacketSize) {
        this.refuseOversize(topic, packetBytes);
        this.counters.liveSkipped += 1;
        continue;
      }
      messages.push({ topic, payload: bytes });
    }
    if (messages.length === 0) return;
    this.counters.published += messages.length;
    stream.write(encodeQos0Publishes(messages, this.protocol), (err?: Error | null) => {
      if (!err) return;
      // The connection failed under the write: mqtt.js sees the same error and reconnects.
      this.counters.publishErrors += 1;
      this.counters.liveSkipped += messages.length;
    });
  }

  private publishRaw(topic: string, payload: Buffer | string, qos: 0 | 1, retain: boolean): Promise<void> {
    const client = this.client!;
    const packetBytes = publishPacketSize(topic, Buffer.byteLength(payload), qos, this.protocol);
    if (packetBytes > this.maxPacketSize) return Promise.reject(this.refuseOversize(topic, packetBytes));
    this.counters.published += 1;
    const tracked = qos === 1 ? this.replayGuard.track(topic, payload, packetBytes) : undefined;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      // The watchdog keeps watching until the PUBACK comes: while offline it only waits (mqtt.js
      // re-sends the message after the reconnect), while online it tears a silent connection down.
      const watch = () => {
        timer = setTimeout(() => {
          if (this.isOnline && !this.stopping) {
            this.counters.publishTimeouts += 1;
            this.log.warn({ topic, timeoutMs: this.opts.publishTimeoutMs }, 'broker did not acknowledge a publish in time; reconnecting');
            // Tearing the socket down makes mqtt.js reconnect and re-send what is in flight.
            client.stream?.destroy();
          }
          if (!this.stopping) watch();
        }, this.opts.publishTimeoutMs);
        timer.unref();
      };
      if (qos === 1) watch();
      client.publish(topic, payload, { qos, retain }, (err, packet) => {
        if (timer) clearTimeout(timer);
        const messageId = (packet as { messageId?: number } | undefined)?.messageId;
        const unsubscribed = messageId !== undefined && this.unsubscribedAcks.delete(messageId);
        if (!err && unsubscribed && topic === this.subscriberRequiredTopic) {
          this.counters.noSubscriber += 1;
          reject(new NoSubscribersError(topic));
          return;
        }
        if (tracked) this.replayGuard.settled(tracked);
        if (tracked && this.culprits.delete(tracked)) {
          reject(new PacketTooLargeError(topic, packetBytes, this.maxPacketSize));
        } else if (err) {
          this.counters.publishErrors += 1;
          reject(err);
        } else {
          if (qos === 1) this.counters.acked += 1;
          resolve();
        }
      });
    });
  }

  /**
   * An oversized packet is refused here, before mqtt.js stores it: the broker would close the
   * connection and mqtt.js would send it again after every reconnect. Logged once per topic.
   */
  private refuseOversize(topic: string, packetBytes: number): PacketTooLargeError {
    this.counters.oversizeRefused += 1;
    const err = new PacketTooLargeError(topic, packetBytes, this.maxPacketSize);
    if (!this.oversizeLogged.has(topic)) {
      this.oversizeLogged.add(topic);
      this.log.error({ topic, bytes: packetBytes, limit: this.maxPacketSize }, 'message too large for the broker: not published (further ones on this topic are counted, not logged)');
    }
    return err;
  }

  /**
   * The broker closed the connection every time mqtt.js re-sent this message: take it (and every
   * message in flight above the new limit) out of mqtt.js's store, their publishes fail with
   * PacketTooLargeError, and stay at half its size from now on.
   */
  private dropCulprit(client: MqttClient, culprit: TrackedPublish): void {
    // Halve rather than creep below it: batches are all of similar size, and each wrong guess costs
    // `threshold` more dropped connections. Never below the smallest configurable limit.
    this.learnedMaxPacketSize = Math.max(SUSPECT_MIN_BYTES, Math.min(this.learnedMaxPacketSize ?? Infinity, Math.floor(culprit.packetBytes / 2)));
    this.log.error(
      { bytes: culprit.packetBytes, limitNow: this.maxPacketSize },
      'the broker closes the connection whenever a message of this size is re-sent: dropping it and keeping messages below that size (lower mqtt.maxPacketSize to the broker\'s max_packet_size)',
    );
    // Everything else in flight that large would be re-sent and fail the same way.
    for (const t of this.replayGuard.sentAtLeast(this.maxPacketSize + 1)) {
      this.counters.oversizeRefused += 1;
      this.culprits.add(t);
      client.removeOutgoingMessage(t.messageId!);
    }
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
