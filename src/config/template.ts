// The commented template printed by `lora-edge print-config`. A unit test parses it with the
// schema and compares it with the schema defaults, so it cannot drift from the code; the serial
// drivers' part is written from their registry.
import { SERIAL_DRIVER_REGISTRY, type SerialDriverName, findSerialDriver } from '../radio/serial/driver-registry.js';

/** The driver shown as the commented example: cheap, common hardware. */
const EXAMPLE_SERIAL_DRIVER: SerialDriverName = 'lora-e5';

/** `key: value   # note`, with notes lined up, as the rest of the template writes them. */
function exampleLine(key: string, value: string, note?: string): string {
  const text = `  #   ${key}: ${value}`;
  return note ? `${text}${' '.repeat(Math.max(3, 32 - text.length))}# ${note}` : text;
}

function serialSourceLines(): string {
  const names = SERIAL_DRIVER_REGISTRY.map((driver) => driver.name);
  const width = Math.max(...names.map((name) => name.length));
  const example = findSerialDriver(EXAMPLE_SERIAL_DRIVER)!;
  return [
    '  # A serial receiver (docs/serial-sources.md). Drivers, with their default baud rate:',
    ...SERIAL_DRIVER_REGISTRY.map((driver) => `  #   ${driver.name.padEnd(width)}  ${String(driver.defaultBaudRate).padStart(6)}  ${driver.hardware}`),
    `  # For example, ${example.name}: ${example.hardware}.`,
    '  # - type: serial',
    exampleLine('driver', example.name, names.join(' | ')),
    exampleLine('path', '/dev/serial/by-id/usb-...', 'stable path; the service user must be in the dialout group'),
    exampleLine('baudRate', String(example.defaultBaudRate)),
    ...example.templateExample.map((line) => exampleLine(line.key, line.value, line.note)),
  ].join('\n');
}

export const CONFIG_TEMPLATE = `# lora-edge configuration (YAML). Check it with: lora-edge check-config --config <file>
# Every scalar key can be overridden from the environment as LORA_EDGE_<PATH> in upper snake case,
# for example LORA_EDGE_MQTT_URL or LORA_EDGE_STORAGE_MAX_BYTES.
# Durations: 20ms, 30s, 5m, 1h, 30d (a plain number means ms; timers wait at most 24d 20h, storage.maxAge up to 3650d). Sizes: 256KiB, 512MiB (a plain number means bytes).

gateway:
  # EUI-64 of this gateway, 16 hex digits. It is the MQTT client id and part of every topic.
  id: "0016c001ff10a235"
  # Where the gateway stands, sent in gw.GatewayStats (a packet forwarder with GPS sends its own,
  # which wins): latitude and longitude in degrees, altitude in metres.
  # location: { latitude: 52.5200, longitude: 13.4050, altitude: 34 }

# Radio sources; several may run at once and every frame is tagged with its source.
sources:
  # Semtech UDP packet forwarder (lora_pkt_fwd) on this host; point its server_address at this bind.
  - type: udp
    bind: "127.0.0.1:1700"
${serialSourceLines()}

radio:
  # Frames with a failed CRC are counted; forwarding them is off because they are noise.
  forwardCrcBad: false
  # Frames received without CRC (LoRaWAN uplinks always carry one).
  forwardCrcNone: false
  # The same frame heard twice within this window is forwarded once.
  dedupWindow: 200ms

mqtt:
  # mqtt:// or mqtts:// (TLS; see ca, cert, key below).
  url: "mqtt://127.0.0.1:1883"
  # Topic prefix: ChirpStack v4 expects the region, e.g. eu868/gateway/<id>/event/up.
  topicPrefix: "eu868"
  # protobuf (what ChirpStack uses by default) or json (protobuf JSON mapping, for debugging).
  marshaler: protobuf
  # Batches and device acks go to <topicPrefix>/gateway/<id>/hub/{batch,device-ack}, outside the
  # event/ sub-tree ChirpStack subscribes to. true puts them back on event/{batch,device-ack} for a
  # hub still subscribed there (docs/hub/README.md, "Migrating from event/batch").
  legacyHubTopics: false
  # clientId: defaults to the gateway id (one persistent session per gateway)
  # username: gateway-0016c001ff10a235
  # passwordFile: /etc/lora-edge/mqtt-password   # or set LORA_EDGE_MQTT_PASSWORD
  # ca: /etc/lora-edge/ca.pem
  # cert: /etc/lora-edge/client.pem
  # key: /etc/lora-edge/client.key
  keepalive: 30s
  # A publish the broker does not acknowledge within this time forces a reconnect.
  publishTimeout: 15s
  # Waits between connection attempts double from reconnectMin to reconnectMax (with jitter); the
  # cap is also how long a gateway may wait after its broker is back before delivering again.
  reconnectMin: 1s
  reconnectMax: 5s
  # Frames older than this are kept off the live ChirpStack event/up stream (ChirpStack itself
  # distrusts gateway times more than 30 s old); the batch stream still carries them.
  liveMaxAge: 30s
  # Largest MQTT packet published (topic included). Batches are cut to fit and texts shortened: a
  # broker closes the connection on a bigger packet. 128KiB suits every cloud broker (AWS IoT Core
  # allows 128 KB); raise it for your own mosquitto (256MB by default) if batches should be larger.
  maxPacketSize: 128KiB
  # MQTT 5 lets the broker tell a batch nobody subscribed to (it lost the hub's session) from a
  # delivered one: such records stay in the outbox. Brokers that only speak 3.1.1 are detected.
  protocolVersion: 5

storage:
  # The outbox (LevelDB) lives here. Every uplink is stored before it is sent.
  dir: "/var/lib/lora-edge"
  # sync: true (default) fsyncs every append group, so a power cut loses nothing that was stored
  # (at most the last group, never sent). It costs SD-card writes: about one fsync per record at low
  # rates. With false, a crash of the daemon still loses nothing, but a power cut loses what the
  # kernel had not yet written (up to ~30 s) and the hub may then discard new records as duplicates
  # of old seqs. To save the card, raise flushInterval (e.g. 100ms) before turning sync off.
  sync: true
  # Bounds: when either is reached the oldest records are dropped (counted and logged).
  maxBytes: 512MiB
  maxAge: 30d
  # Appends are grouped: one write at most every flushInterval or flushMaxRecords records.
  flushInterval: 20ms
  flushMaxRecords: 256

batch:
  # Records go to <topicPrefix>/gateway/<id>/hub/batch in batches of at most:
  maxRecords: 500
  # Stored record bytes per batch; the encoded batch is also kept under mqtt.maxPacketSize.
  maxBytes: 256KiB
  # Batches published and not yet acknowledged by the broker.
  inflight: 8
  # none or gzip (for metered links).
  compression: none
  # true: only frames of devices in the device registry go into the outbox and the batches.
  onlyRegistered: false
  # Delete records only when the hub says it committed them (it publishes the batchIds on
  # <topicPrefix>/gateway/<id>/hub/ack), not when the broker acknowledges: a broker can take a batch
  # and drop it when the hub's queue is full. Needs a hub that acknowledges (lora-edge hub ingest,
  # hub-tail --ack); see docs/hub/README.md.
  hubAck:
    enabled: false
    # Without any word from the hub for this long (while connected), unconfirmed batches go again.
    timeout: 60s
    # Batches waiting for the hub at once: a slow hub slows the drain instead of overflowing the broker.
    window: 32

# Uplink filters, one set for the live ChirpStack stream (event/up) and one for the batches (outbox).
# Entries as ChirpStack MQTT Forwarder writes them: a NetID is 6 hex digits; a prefix is the value at
# full width in hex, "/", and how many leading bits count ("26000000/7" = every DevAddr of NetID
# 000013). A leading "!" excludes. Per key: with plain entries a frame must match one of them, and it
# must match no "!" entry. DevAddr and NetID entries concern data frames, JoinEUI entries join
# requests; other frames pass. Each filtered frame is counted (lora_edge_frames_filtered_total).
filters:
  live:
    netIds: []               # e.g. ["000013"]
    devAddrPrefixes: []      # e.g. ["26000000/7", "!26011200/24"]
    joinEuiPrefixes: []      # e.g. ["70b3d57ed0000000/40"]
  batch:
    netIds: []
    devAddrPrefixes: []
    joinEuiPrefixes: []

devices:
  # Device registry (YAML) with keys; without it frames are forwarded raw and not decoded.
  # registry: /etc/lora-edge/devices.yaml
  # Extra device profiles besides the ones shipped with lora-edge.
  # profilesDir: /etc/lora-edge/device-profiles
  # Time limit for one call of a user JavaScript codec.
  codecTimeLimit: 50ms

fleet:
  # Take device bundles and session updates the hub publishes on the broker (docs/fleet.md).
  enabled: false
  # base64 Ed25519 hub keys (lora-edge fleet keygen --sign); any listed: unsigned bundles are refused.
  trustedKeys: []
  # This gateway's X25519 key (lora-edge fleet keygen --out FILE) for device keys sealed to it.
  # privateKeyFile: /etc/lora-edge/fleet-gateway.key
  # Largest bundle accepted: compressed on the wire, and once decompressed.
  maxBundleSize: 16MiB
  maxExpandedSize: 64MiB

downlink:
  # Network-server downlinks (ChirpStack gw.DownlinkFrame on <topicPrefix>/gateway/<id>/command/down).
  enabled: true
  rx2Frequency: 869525000
  # EU868 regional parameters say DR0 (SF12); many networks configure DR3 (SF9).
  rx2DataRate: 0
  # Highest EIRP in dBm; each sub-band's legal limit applies on top.
  maxTxPower: 27
  # Refuse (DUTY_CYCLE_OVERFLOW) rather than exceed the sub-band duty-cycle limits.
  dutyCycle: true

edge:
  # Answer join requests of registered OTAA devices at the gateway (devices marked edge: true).
  enabled: false
  netId: "000000"
  devAddrFrom: "00000001"
  devAddrTo: "01ffffff"
  rx1DrOffset: 0
  # Seconds from uplink to RX1 for data frames.
  rxDelay: 1
  # Commands waiting per device.
  queueSize: 16

ops:
  # Cron schedules (5 fields, or 6 with seconds first; @hourly, @daily, ... too).
  # gw.GatewayStats on <topicPrefix>/gateway/<id>/event/stats:
  statsSchedule: "*/30 * * * * *"
  # Outbox retention sweep (drops records older than storage.maxAge):
  retentionSchedule: "0 * * * *"
  # One summary log line (frames, devices seen, drops):
  summarySchedule: "0 0 * * *"
  # timezone: Europe/Berlin
  # The technician's page (/), Prometheus /metrics, /healthz and /status (read by lora-edge status);
  # keep it on loopback and reach it over SSH (docs/operations.md). Off loopback a token file is required.
  http:
    enabled: true
    bind: "127.0.0.1:9110"
    # tokenFile: /etc/lora-edge/ops-token   # requests need "Authorization: Bearer <token>"
    # allowedHosts: [gateway-17.lan]        # Host names accepted besides IPs and localhost

clock:
  # Whether the system clock is synchronised (a Raspberry Pi has no real-time clock): every record
  # says so (clockSynced), and records captured before the clock synchronised are sent with a
  # corrected capturedAt (docs/hub/README.md). auto: systemd-timesyncd's flag file, else timedatectl
  # (the kernel's flag, whatever NTP client set it); without systemd the state is unknown (null).
  # Also timedatectl, timesyncd, always, never, or file:PATH (a file saying yes or no).
  syncSource: auto
  # How often it is read.
  pollInterval: 10s

log:
  # fatal, error, warn, info, debug, trace or silent
  level: info
  # auto: readable coloured lines on a terminal, JSON lines otherwise (journald, pipes); or pretty, json
  format: auto
`;
