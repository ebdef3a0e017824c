// The one configuration schema: types, defaults and validation all come from here. Objects are
// strict so that a misspelt key is reported instead of silently ignored.
import { z } from 'zod';
import { cronFields, isCronSchedule } from './cron-expression.js';
import { TIMER_MAX_MS, formatDurationMs, parseDuration, parseSize } from './units.js';
import { serialDriverKeys, serialDriverNames } from '../radio/serial/driver-registry.js';
import { parseSyncSourceSpec } from '../clock/sync-source.js';

/** Bounds of one duration key (ms); `why` explains the maximum in the error. */
interface DurationBounds {
  min?: number;
  max?: number;
  why?: string;
}

/** By default a duration may be as long as a Node timer can wait, no longer. */
const TIMER_BOUND: Required<Pick<DurationBounds, 'max' | 'why'>> = { max: TIMER_MAX_MS, why: 'the longest timer Node.js supports' };

const duration = (def: string, bounds: DurationBounds = {}) => {
  const { min = 0, max = TIMER_BOUND.max, why = bounds.max === undefined ? TIMER_BOUND.why : undefined } = bounds;
  return z
    .union([z.string(), z.number()])
    .default(def)
    .transform((v, ctx) => {
      let ms: number;
      try {
        ms = parseDuration(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
      if (ms > max) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is too long: at most ${formatDurationMs(max)} (${max} ms${why ? `, ${why}` : ''})` });
        return z.NEVER;
      }
      if (ms < min) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is too short: at least ${formatDurationMs(min)}` });
        return z.NEVER;
      }
      return ms;
    });
};

const size = (def: string, bounds: { min?: number; max?: number } = {}) => {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = bounds;
  return z
    .union([z.string(), z.number()])
    .default(def)
    .transform((v, ctx) => {
      let bytes: number;
      try {
        bytes = parseSize(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
      if (bytes > max || bytes < min) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is out of range: ${min} to ${max} bytes` });
        return z.NEVER;
      }
      return bytes;
    });
};

/** True when Intl (and so the cron scheduler) knows the zone. */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { message: 'must be "host:port", for example "127.0.0.1:1700"', abort: true })
  .refine((s) => {
    const port = Number(s.slice(s.lastIndexOf(':') + 1));
    return port > 0 && port < 65536;
  }, 'port must be between 1 and 65535');

const eui64 = z
  .string()
  .regex(/^[0-9a-fA-F]{16}$/, 'must be an EUI-64: 16 hex digits, for example "0016c001ff10a235"')
  .transform((s) => s.toLowerCase());

const udpSource = z.strictObject({
  type: z.literal('udp'),
  /** Optional name for logs and metrics; defaults to `udp` (or `udp:<bind>` when there are several). */
  id: z.string().min(1).optional(),
  bind: hostPort.default('127.0.0.1:1700'),
});

const serialSource = z.strictObject({
  type: z.literal('serial'),
  id: z.string().min(1).optional(),
  driver: z.enum(serialDriverNames),
  path: z.string().min(1),
  baudRate: z.number().int().positive().optional(),
  /** The drivers' own keys (frequency, channels, ...); each driver's registry entry checks its own (load.ts). */
  ...serialDriverKeys,
});

const cronExpression = (def: string) =>
  z
    .string()
    .default(def)
    .transform(cronFields)
    .refine(isCronSchedule, 'must be a cron expression (5 fields, or 6 with seconds first, or @hourly, @daily, ...), for example "*/30 * * * * *"');

/** Checked entry by entry in load.ts (pipeline/uplink-filter.ts parses them), so each bad one is named. */
const uplinkFilterSpec = z.strictObject({
  /** NetIDs (6 hex digits); "!" excludes. */
  netIds: z.array(z.string()).default([]),
  /** DevAddr prefixes as ChirpStack MQTT Forwarder writes them, "26000000/7"; "!" excludes. */
  devAddrPrefixes: z.array(z.string()).default([]),
  /** JoinEUI prefixes, "70b3d57ed0000000/40"; "!" excludes. */
  joinEuiPrefixes: z.array(z.string()).default([]),
});

export const sourceSchema = z.discriminatedUnion('type', [udpSource, serialSource]);

export const configSchema = z.strictObject({
  gateway: z
    .strictObject({
      id: eui64,
      /**
       * Where the gateway stands, for gw.GatewayStats; the packet forwarder's own `stat` position
       * (a GPS) wins when it sends one.
       */
      location: z
        .strictObject({
          latitude: z.number().min(-90).max(90),
          longitude: z.number().min(-180).max(180),
          /** Metres above sea level. */
          altitude: z.number().min(-1000).max(10_000).default(0),
        })
        .optional(),
    }),
  sources: z.array(sourceSchema).min(1, 'at least one radio source is needed').default([{ type: 'udp', bind: '127.0.0.1:1700' }]),
  radio: z
    .strictObject({
      /** Frames whose CRC failed are counted; forwarding them is off by default (they are noise). */
      forwardCrcBad: z.boolean().default(false),
      /** Frames received without a CRC (LoRaWAN uplinks always carry one). */
      forwardCrcNone: z.boolean().default(false),
      /** The same PHYPayload heard again within this window (two channels, two sources) is forwarded once. */
      dedupWindow: duration('200ms', { min: 1 }),
    })
    .prefault({}),
  mqtt: z
    .strictObject({
      url: z
        .string()
        .regex(/^mqtts?:\/\/[^\s/]+/, 'must start with mqtt:// or mqtts://, for example "mqtt://127.0.0.1:1883"')
        .default('mqtt://127.0.0.1:1883'),
      topicPrefix: z
        .string()
        .regex(/^[^#+\s]*$/, 'must not contain MQTT wildcards (# +) or spaces')
        .default('eu868'),
      marshaler: z.enum(['protobuf', 'json']).default('protobuf'),
      /**
       * Publish batches and device acks on <prefix>/gateway/<id>/event/{batch,device-ack}, where they
       * were before (a ChirpStack server subscribed to event/+ receives them too). Off: hub/{batch,device-ack}.
       */
      legacyHubTopics: z.boolean().default(false),
      /** Defaults to the gateway id, so the broker keeps one persistent session per gateway. */
      clientId: z.string().min(1).optional(),
      username: z.string().min(1).optional(),
      /** File holding the password (the environment variable LORA_EDGE_MQTT_PASSWORD also works). */
      passwordFile: z.string().min(1).optional(),
      /** TLS (mqtts://): CA bundle, client certificate and key, as files. */
      ca: z.string().min(1).optional(),
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
      /** Sent in CONNECT as whole seconds in 16 bits: 1 s to 65535 s. */
      keepalive: duration('30s', { min: 1000, max: 65_535_000, why: 'the largest keep-alive MQTT can carry' }),
      /** A publish not acknowledged within this time forces a reconnect (a stuck connection looks alive). */
      publishTimeout: duration('15s', { min: 100 }),
      /** 0 would switch mqtt.js reconnection off. */
      reconnectMin: duration('1s', { min: 10 }),
      /**
       * Cap of the doubling wait between attempts (±20 % jitter). Also the longest a gateway waits after
       * its broker is back before it delivers again: keep it short.
       */
      reconnectMax: duration('5s', { min: 10 }),
      /** Frames older than this are not sent on the live ChirpStack `event/up` stream; batches carry them. */
      liveMaxAge: duration('30s'),
      /**
       * 5 (default) lets the broker say "no matching subscribers" for a batch nobody received (a broker
       * that lost the hub's session): the records stay in the outbox. A broker that refuses 5 is spoken
       * to in 3.1.1 automatically.
       */
      protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
      /**
       * Largest MQTT packet the daemon publishes (header and topic included); batches are cut to fit
       * and texts shortened. A broker closes the connection on a bigger one. 128 KiB is what AWS IoT
       * Core allows (Azure IoT Hub 256 KiB, mosquitto 256 MiB by default), so it works everywhere.
       */
      maxPacketSize: size('128KiB').pipe(
        z.number().int().min(4096, 'must be at least 4KiB').max(268_435_455, 'must be at most 268435455 bytes (the MQTT limit)'),
      ),
    })
    .prefault({}),
  storage: z
    .strictObject({
      dir: z.string().min(1).default('/var/lib/lora-edge'),
      /**
       * fsync every append group. On by default: lamp-post gateways lose power often, and without it
       * a cut loses the last ~30 s of records and makes seqs the hub has seen be handed out again
       * (README "Power cuts and storage.sync"). Costs SD-card writes: `npm run bench:sync`.
       */
      sync: z.boolean().default(true),
      maxBytes: size('512MiB', { min: 1024 * 1024 }),
      /** Compared with record timestamps, never waited for: may exceed a timer's range. */
      maxAge: duration('30d', { min: 1000, max: 3650 * 86_400_000, why: 'ten years' }),
      flushInterval: duration('20ms'),
      flushMaxRecords: z.number().int().min(1).max(100_000).default(256),
    })
    .prefault({}),
  batch: z
    .strictObject({
      maxRecords: z.number().int().min(1).max(100_000).default(500),
      maxBytes: size('256KiB', { min: 1024, max: 268_435_455 }),
      /** Batches published but not yet acknowledged by the broker. */
      inflight: z.number().int().min(1).max(1000).default(8),
      compression: z.enum(['none', 'gzip']).default('none'),
      /** Only frames of devices in the registry go into the outbox (the batches); others are counted. */
      onlyRegistered: z.boolean().default(false),
      /**
       * Records are deleted on the hub's own acknowledgement (`hub/ack`), not the broker's PUBACK: a
       * broker may take a batch and drop it (a full subscriber queue). Turn on with a hub that acks.
       */
      hubAck: z
        .strictObject({
          enabled: z.boolean().default(false),
          /** Connected time without any word from the hub after which unconfirmed batches are sent again. */
          timeout: duration('60s', { min: 1000 }),
          /** Batches that may wait for the hub at once (flow control; keep it below the broker's queue limit). */
          window: z.number().int().min(1).max(10_000).default(32),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Uplink filters (pipeline/uplink-filter.ts): one set for the live ChirpStack stream, one for the batches. */
  filters: z
    .strictObject({
      live: uplinkFilterSpec.prefault({}),
      batch: uplinkFilterSpec.prefault({}),
    })
    .prefault({}),
  devices: z
    .strictObject({
      /** Device registry file (YAML); absent means no device is known and frames are forwarded raw. */
      registry: z.string().min(1).optional(),
      /** Extra directory of device profiles besides the ones shipped with lora-edge. */
      profilesDir: z.string().min(1).optional(),
      /** Decoding runs on the uplink path: a limit of seconds already stalls every frame behind it. */
      codecTimeLimit: duration('50ms', { min: 1, max: 10_000, why: 'a codec blocks the uplink path while it runs' }),
    })
    .prefault({}),
  /** Fleet provisioning from the hub (docs/fleet.md): bundles and session updates on the broker. */
  fleet: z
    .strictObject({
      /** Take device bundles and session updates the hub publishes (retained) on the broker. */
      enabled: z.boolean().default(false),
      /** base64 Ed25519 hub public keys (`lora-edge fleet keygen --sign`); any: bundles and sessions must be signed by one. */
      trustedKeys: z.array(z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be a 32-byte Ed25519 public key in base64')).default([]),
      /** This gateway's X25519 private key (`lora-edge fleet keygen --out FILE`), for key material sealed to it. */
      privateKeyFile: z.string().min(1).optional(),
      /** Largest bundle accepted, compressed as on the wire; MQTT 5 tells the broker so (larger ones are not delivered). */
      maxBundleSize: size('16MiB', { min: 4096, max: 256 * 1024 * 1024 }),
      /** Largest bundle once decompressed (a gzip bomb is refused at this size). */
      maxExpandedSize: size('64MiB', { min: 4096, max: 1024 * 1024 * 1024 }),
    })
    .prefault({}),
  downlink: z
    .strictObject({
      /** Network-server downlinks from <prefix>/gateway/<id>/command/down (gw.DownlinkFrame). */
      enabled: z.boolean().default(true),
      /** RX2: EU868 default 869.525 MHz. */
      rx2Frequency: z.number().int().positive().default(869_525_000),
      /** RX2 data rate (EU868 DR0 = SF12/125 kHz by the regional parameters; many networks use DR3). */
      rx2DataRate: z.number().int().min(0).max(7).default(0),
      /** Highest EIRP the gateway may use, dBm (EU868: 16 dBm on most sub-bands, 27 dBm at 869.4-869.65 MHz). */
      maxTxPower: z.number().min(0).max(30).default(27),
      /** Refuse transmissions that would break the sub-band duty-cycle limits (the law in the EU). */
      dutyCycle: z.boolean().default(true),
    })
    .prefault({}),
  edge: z
    .strictObject({
      /** The gateway answers join requests of registered OTAA devices itself (per device: `edge: true`). */
      enabled: z.boolean().default(false),
      /** NetID in the join accept, 6 hex digits. */
      netId: z.string().regex(/^[0-9a-fA-F]{6}$/, 'must be 6 hex digits').default('000000'),
      /** DevAddrs handed to devices joining at the edge, inclusive, 8 hex digits each. */
      devAddrFrom: z.string().regex(/^[0-9a-fA-F]{8}$/, 'must be 8 hex digits').default('00000001'),
      devAddrTo: z.string().regex(/^[0-9a-fA-F]{8}$/, 'must be 8 hex digits').default('01ffffff'),
      rx1DrOffset: z.number().int().min(0).max(5).default(0),
      /** Seconds between uplink and RX1 for data (1..15). */
      rxDelay: z.number().int().min(1).max(15).default(1),
      /** Commands waiting per device; more are refused with `failed`. */
      queueSize: z.number().int().min(1).max(1000).default(16),
    })
    .prefault({}),
  ops: z
    .strictObject({
      /** gw.GatewayStats on <prefix>/gateway/<id>/event/stats. */
      statsSchedule: cronExpression('*/30 * * * * *'),
      /** Outbox retention sweep (records older than storage.maxAge). */
      retentionSchedule: cronExpression('0 * * * *'),
      /** One summary log line: frames, devices seen, drops. */
      summarySchedule: cronExpression('0 0 * * *'),
      /** IANA time zone for the schedules; the system's by default. */
      timezone: z
        .string()
        .min(1)
        .refine(isTimeZone, 'is not a time zone known to this system: use an IANA name such as "Europe/Berlin" or "UTC"')
        .optional(),
      /** /metrics (Prometheus), /healthz and /status (for `lora-edge status`). Keep it on loopback. */
      http: z
        .strictObject({
          enabled: z.boolean().default(true),
          bind: hostPort.default('127.0.0.1:9110'),
          /**
           * File holding a bearer token (`Authorization: Bearer <token>`); required when `bind` is
           * not a loopback address.
           */
          tokenFile: z.string().min(1).optional(),
          /**
           * Host header names accepted besides the bind address and loopback names (a name the
           * gateway is reached by). Anything else is refused, against DNS rebinding.
           */
          allowedHosts: z.array(z.string().min(1)).default([]),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Whether the system clock is synchronised, for the records' capture times (docs/hub/README.md, "Capture time"). */
  clock: z
    .strictObject({
      /** auto | timedatectl | timesyncd | always | never | file:PATH (clock/sync-source.ts). */
      syncSource: z
        .string()
        .default('auto')
        .superRefine((v, ctx) => {
          const spec = parseSyncSourceSpec(v);
          if (typeof spec === 'string') ctx.addIssue({ code: 'custom', message: spec });
        }),
      /** How often the sync source is read (never per frame). */
      pollInterval: duration('10s', { min: 100 }),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** `auto`: pretty lines on a terminal, JSON lines otherwise (journald, pipes); or force one. */
      format: z.enum(['auto', 'pretty', 'json']).default('auto'),
      /**
       * Uplinks logged one by one at info level, per second; beyond it they are counted in one line a
       * second (journald drops a service's lines beyond 10,000 in 30 s). At debug level all are logged.
       */
      uplinkLinesPerSecond: z.number().int().min(0).max(10_000).default(50),
    })
    .prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type SourceConfig = Config['sources'][number];
export type UdpSourceConfig = Extract<SourceConfig, { type: 'udp' }>;
export type SerialSourceConfig = Extract<SourceConfig, { type: 'serial' }>;
