// The hub ingest: subscribes to every gateway's batches and writes each into the database, acknowledging
// (PUBACK) a batch only after the database committed it. At-least-once delivery from the broker
// plus idempotent writes (sql-store.ts) make every uplink land exactly once.
//
// How the PUBACK waits: mqtt.js calls `client.handleMessage(packet, callback)` for each PUBLISH and
// sends the PUBACK from that callback (node_modules/mqtt .../handlers/publish.js); called with an
// error it sends none. So the write happens in handleMessage and the callback follows the COMMIT.
// A broker re-sends an unacknowledged QoS 1 message only on a new connection, so after a database
// error the ingest disconnects (its session stays: clean false, session expiry), waits until the
// database answers again, and reconnects: the broker then re-sends what was not acknowledged.
//
// After the COMMIT the ingest also confirms the batch to its gateway on `hub/ack` (gateways with
// batch.hubAck delete records only on that word; others ignore it).
//
// Scale-out: with a group, the subscription is shared (`$share/<group>/...`, MQTT 5); the broker
// gives each batch to one member, and a batch that member never acknowledged is re-sent to it.
import type { IPublishPacket, MqttClient } from 'mqtt';
import mqtt from 'mqtt';
import { batchFilter, Topics } from '../mqtt/chirpstack/topics.js';
import { hubAckMessage } from '../mqtt/hub-batch.js';
import type { Logger } from '../log.js';
import { readBatch } from './batch-input.js';
import type { HubStore } from './store.js';

export interface IngestOptions {
  url: string;
  store: HubStore;
  log: Logger;
  prefix: string;
  /** Shared-subscription group; '' subscribes plainly (one ingest process, or a broker without $share). */
  group: string;
  legacyTopics: boolean;
  /** Stable per process: the broker keeps this session's unacknowledged batches for it. */
  clientId: string;
  protocolVersion: 4 | 5;
  /** MQTT 5 session expiry: longer than any outage of the ingest. */
  sessionExpirySeconds: number;
  /** How often to ask the database whether it is back after a failed write. */
  dbRetryMs?: number;
  /** Tests only: awaited after COMMIT and before the PUBACK (a test "dies" there by never resolving). */
  afterCommit?: (packet: IPublishPacket) => void | Promise<void>;
}

export interface IngestCounters {
  batches: number;
  records: number;
  duplicates: number;
  newUplinks: number;
  rejectedBatches: number;
  rejectedRecords: number;
  dbFailures: number;
  /** Batch acknowledgements published to gateways (hub/ack) after their commit. */
  acksSent: number;
}

export interface Ingest {
  readonly counters: IngestCounters;
  readonly client: MqttClient;
  /** Resolves once subscribed. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export function subscriptionTopic(prefix: string, group: string, legacyTopics: boolean): string {
  const filter = batchFilter(prefix, '+', { legacyHubTopics: legacyTopics });
  return group ? `$share/${group}/${filter}` : filter;
}

export function startIngest(o: IngestOptions): Ingest {
  const counters: IngestCounters = { batches: 0, records: 0, duplicates: 0, newUplinks: 0, rejectedBatches: 0, rejectedRecords: 0, dbFailures: 0, acksSent: 0 };
  const topic = subscriptionTopic(o.prefix, o.group, o.legacyTopics);
  const client = mqtt.connect(o.url, {
    clientId: o.clientId,
    clean: false,
    protocolVersion: o.protocolVersion,
    ...(o.protocolVersion === 5 ? { properties: { sessionExpiryInterval: o.sessionExpirySeconds } } : {}),
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    keepalive: 30,
    // We subscribe on every connection ourselves (below): mqtt.js would skip a subscription it
    // believes the restored session still has.
    resubscribe: false,
  });
  let stopping = false;
  /** Set after a database error until the database answers again: messages get no PUBACK. */
  let dbDown = false;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));

  const waitForDatabase = async () => {
    client.end(true);
    while (!stopping) {
      await new Promise((r) => setTimeout(r, o.dbRetryMs ?? 2000));
      try {
        await o.store.ping();
        break;
      } catch (e) {
        o.log.warn({ err: (e as Error).message }, 'database still unreachable; batches wait at the broker');
      }
    }
    if (stopping) return;
    dbDown = false;
    o.log.info('database answers again; reconnecting to the broker to receive the unacknowledged batches');
    client.reconnect();
  };

  /** Tells the gateway its batch is committed (batch.hubAck); a lost word only means a re-send. */
  const confirmToGateway = (gatewayId: string, batchId: string) => {
    client.publish(new Topics(o.prefix, gatewayId).hub('ack'), hubAckMessage([batchId]), { qos: 1 }, (e) => {
      if (e) o.log.warn({ err: e.message, gatewayId, batchId }, 'confirming a batch to its gateway failed; it will send the batch again');
    });
    counters.acksSent += 1;
  };

  const handle = async (packet: IPublishPacket): Promise<boolean> => {
    if (dbDown || stopping) return false;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const read = readBatch(packet.topic, payload);
    try {
      if (!read.ok) {
        await o.store.writeRejectedBatch(packet.topic, read.gatewayId, read.reason, payload);
        counters.rejectedBatches += 1;
        o.log.warn({ topic: packet.topic, reason: read.reason }, 'malformed batch kept in table rejected and acknowledged');
      } else {
        const r = await o.store.writeBatch(read.batch, packet.topic);
        counters.batches += 1;
        counters.records += r.stored;
        counters.duplicates += r.duplicates;
        counters.newUplinks += r.newUplinks;
        counters.rejectedRecords += r.rejected;
        if (r.rejected) o.log.warn({ gatewayId: read.batch.gatewayId, batchId: read.batch.batchId, rejected: r.rejected }, 'records refused, kept in table rejected');
      }
    } catch (e) {
      counters.dbFailures += 1;
      o.log.error(
        { topic: packet.topic, err: (e as Error).message },
        'database write failed: batch NOT acknowledged, the broker will send it again; pausing until the database answers',
      );
      if (!dbDown) {
        dbDown = true;
        void waitForDatabase();
      }
      return false;
    }
    await o.afterCommit?.(packet);
    if (read.ok && read.batch.batchId !== null) confirmToGateway(read.batch.gatewayId, read.batch.batchId);
    return true;
  };

  client.handleMessage = (packet, callback) => {
    if (packet.cmd !== 'publish') return callback();
    handle(packet as IPublishPacket).then(
      (ok) => (ok ? callback() : callback(new Error('not stored'))),
      (e) => callback(e as Error),
    );
  };
  client.on('connect', (connack) => {
    o.log.info({ sessionPresent: connack.sessionPresent, topic }, 'connected to the broker');
    // Subscribe again on every connection, even when the broker says the session was kept:
    // mosquitto 2.0.11 restores a persistent session after a restart but not its shared
    // subscription (seen in the fleet simulation), and re-subscribing to a kept one changes nothing.
    client.subscribe({ [topic]: { qos: 1 }, resubscribe: true } as unknown as string, { qos: 1 }, (e, granted) => {
      if (e) o.log.error({ err: e.message, topic }, 'subscribe failed');
      else if (granted?.some((g) => g.qos > 2)) o.log.error({ topic, granted }, 'the broker refused the subscription (shared subscriptions need MQTT 5 and a broker that supports them)');
      else resolveReady();
    });
  });
  client.on('error', (e) => o.log.warn({ err: e.message }, 'mqtt'));
  client.on('offline', () => o.log.warn('broker unreachable; retrying'));

  return {
    counters,
    client,
    ready,
    async stop() {
      stopping = true;
      await client.endAsync();
    },
  };
}
