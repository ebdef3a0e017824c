// `lora-edge run --demo` (npm start): the real daemon on embedded defaults, so something real flows
// on a fresh machine: an embedded MQTT broker, a simulated packet forwarder with simulated devices
// sending encrypted uplinks, and a hub-side subscriber that logs the batches it receives.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { resolve, join } from 'node:path';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { deviceStateDir, edgeStateDir } from '../app/storage-layout.js';
import mqtt from 'mqtt';
import { validateConfig } from '../config/load.js';
import { createLogger, type LogFormat } from '../log.js';
import { LogTail } from '../log-tail.js';
import { startEmbeddedBroker } from '../testing/embedded-broker.js';
import { runUdpTraffic } from '../testing/udp-traffic.js';
import { DEMO_FLEET, demoRegistryYaml } from '../testing/device-payloads.js';
import { batchFilter, deviceAckFilter } from '../mqtt/chirpstack/topics.js';
import { runDaemon } from '../app/daemon.js';
import { PacketForwarderSim } from '../testing/packet-forwarder.js';
import { runDemoStreetLight, demoStreetLightRegistryEntry } from '../testing/demo-street-light.js';

export const DEMO_GATEWAY_ID = '0016c001ff10a235';

async function udpPortFree(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  return new Promise((res) => {
    s.once('error', () => res(false));
    s.bind(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

/** The ops endpoint's usual port if free (another daemon may hold it), else any free one. */
async function opsPort(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | null>((res) => {
      const s = createServer();
      s.once('error', () => res(null));
      s.listen(port, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
  return (await tryListen(preferred)) ?? (await tryListen(0)) ?? preferred;
}

export async function runDemo(): Promise<number> {
  const logger = createLogger({
    level: (process.env.LORA_EDGE_LOG_LEVEL as 'info') ?? 'info',
    format: (process.env.LORA_EDGE_LOG_FORMAT as LogFormat | undefined) ?? 'auto',
    tail: new LogTail(),
  });
  const pagePort = await opsPort(9110);
  // Among the first lines on purpose: what a newcomer should open next.
  logger.info({ page: `http://127.0.0.1:${pagePort}/` }, `demo: the technician page is at http://127.0.0.1:${pagePort}/ (open it in a browser)`);
  const broker = await startEmbeddedBroker(1883).catch(() => startEmbeddedBroker(0));
  const udpPort = (await udpPortFree(1700)) ? 1700 : 0;
  const dir = resolve(process.env.LORA_EDGE_STORAGE_DIR ?? '.lora-edge-demo');
  // The simulated street light, parking and air sensors are registered, so their payloads are decoded.
  mkdirSync(dir, { recursive: true });
  // Simulated devices start their frame counters at 0 on every run: forget what the last run saw,
  // or their frames would rightly be flagged as replays.
  rmSync(deviceStateDir(dir), { recursive: true, force: true });
  const registry = join(dir, 'devices.yaml');
  writeFileSync(registry, demoRegistryYaml(DEMO_FLEET) + demoStreetLightRegistryEntry(), { mode: 0o600 });
  // Edge state too: the simulated street light joins afresh on every run.
  rmSync(edgeStateDir(dir), { recursive: true, force: true });
  const loaded = validateConfig(
    {
      gateway: { id: DEMO_GATEWAY_ID },
      sources: [{ type: 'udp', bind: `127.0.0.1:${udpPort || 1700}` }],
      // The embedded broker (aedes) speaks MQTT 3.1.1 only.
      mqtt: { url: broker.url, topicPrefix: 'eu868', marshaler: 'json', protocolVersion: 4 },
      storage: { dir },
      devices: { registry },
      edge: { enabled: true, devAddrFrom: '260b0001', devAddrTo: '260b00ff' },
      ops: { http: { bind: `127.0.0.1:${pagePort}` } },
    },
    'demo',
    {},
  );
  if (udpPort === 0) {
    logger.warn('UDP port 1700 is in use (a packet forwarder bridge running?); the demo needs it free');
    await broker.close();
    return 1;
  }
  logger.info({ broker: broker.url, udp: `127.0.0.1:${udpPort}`, storage: dir }, 'demo: embedded broker and simulated packet forwarder');

  // The hub's side: a plain subscriber that logs what arrives.
  const hub = mqtt.connect(broker.url, { clientId: 'demo-hub', protocolVersion: 4 });
  hub.subscribe(batchFilter('eu868'), { qos: 1 });
  hub.subscribe(deviceAckFilter('eu868', DEMO_GATEWAY_ID), { qos: 1 });
  hub.on('message', (topic, payload) => {
    if (topic === deviceAckFilter('eu868', DEMO_GATEWAY_ID)) {
      logger.info({ event: JSON.parse(payload.toString()) }, 'hub: command status');
      return;
    }
    try {
      const batch = JSON.parse(payload.toString()) as { batchId: string; records: Array<{ seq: number; holdMs: number }> };
      logger.info({ batchId: batch.batchId, records: batch.records.length, maxHoldMs: Math.max(...batch.records.map((r) => r.holdMs)) }, 'hub received a batch');
    } catch {
      logger.warn('hub received a batch that is not JSON');
    }
  });

  const traffic = new AbortController();
  const appDone = runDaemon(
    loaded,
    logger,
    async () => {
      traffic.abort();
      hub.end(true);
    },
    'demo (built-in configuration)',
  );
  // Give the daemon a moment to bind its UDP port before the simulated forwarder starts.
  await new Promise((r) => setTimeout(r, 300));
  // One simulated packet forwarder carries the ABP sensors and the OTAA street light (downlinks
  // go to the forwarder that last sent PULL_DATA).
  const forwarder = new PacketForwarderSim({ target: `127.0.0.1:${udpPort}`, gatewayEui: DEMO_GATEWAY_ID, ackTimeoutMs: 1000 });
  const trafficDone = runUdpTraffic({
    target: `127.0.0.1:${udpPort}`,
    gatewayEui: DEMO_GATEWAY_ID,
    devices: DEMO_FLEET,
    rate: 1,
    count: Infinity,
    signal: traffic.signal,
    forwarder,
  }).catch((err: Error) => logger.error({ err: err.message }, 'simulated packet forwarder failed'));
  // The hub dims the street light a few seconds after it joined.
  const lightDone = runDemoStreetLight(forwarder, {
    signal: traffic.signal,
    logger: logger.child({ part: 'demo-street-light' }),
    onJoined: (devEui) => {
      setTimeout(() => {
        const command = { id: `dim-${Date.now()}`, devEui, fPort: 60, data: { dimming_level__percent: 40 } };
        logger.info({ command }, 'hub: dimming the street light to 40 %');
        hub.publish(`eu868/gateway/${DEMO_GATEWAY_ID}/command/device`, JSON.stringify(command), { qos: 1 });
      }, 3000).unref();
    },
  }).catch((err: Error) => logger.error({ err: err.message }, 'simulated street light failed'));
  const code = await appDone;
  traffic.abort();
  await trafficDone;
  await lightDone;
  await forwarder.close();
  await broker.close();
  return code;
}
