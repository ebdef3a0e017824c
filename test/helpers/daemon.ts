// Starts the real App in-process with a config for tests: temporary storage dir, a free UDP port,
// the given broker URL. Returns what a test needs to drive it.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app/app.js';
import { validateConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { silentLogger, type Logger } from '../../src/log.js';
import type { BatchWriter } from '../../src/outbox/options.js';

export const TEST_GATEWAY_ID = '0016c001ff10a235';

export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface TestDaemon {
  app: App;
  udpTarget: string;
  dir: string;
  stop(): Promise<void>;
  /** Stops and removes the storage directory. */
  destroy(): Promise<void>;
}

type Overrides = { [K in keyof ConfigInput]?: Partial<NonNullable<ConfigInput[K]>> };

export async function startTestDaemon(
  brokerUrl: string,
  overrides: Overrides = {},
  opts: { dir?: string; logger?: Logger; udpPort?: number; wrapOutboxWrite?: (write: BatchWriter) => BatchWriter } = {},
): Promise<TestDaemon> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'lora-edge-test-'));
  const udpPort = opts.udpPort ?? (await freeUdpPort());
  const raw = {
    gateway: { id: TEST_GATEWAY_ID, ...overrides.gateway },
    sources: [{ type: 'udp', bind: `127.0.0.1:${udpPort}` }],
    mqtt: { url: brokerUrl, reconnectMin: '100ms', reconnectMax: '500ms', publishTimeout: '3s', ...overrides.mqtt },
    storage: { dir, ...overrides.storage },
    batch: { ...overrides.batch },
    filters: { ...overrides.filters },
    radio: { ...overrides.radio },
    // Tests run in parallel: no fixed metrics port unless a test asks for one.
    ops: { http: { enabled: false }, ...overrides.ops },
    devices: { ...overrides.devices },
    edge: { ...overrides.edge },
    downlink: { ...overrides.downlink },
    clock: { ...overrides.clock },
    fleet: { ...overrides.fleet },
    log: { level: 'silent' },
  };
  const { config } = validateConfig(raw, 'test', {});
  const app = new App({ config, logger: opts.logger ?? silentLogger(), wrapOutboxWrite: opts.wrapOutboxWrite });
  await app.start();
  return {
    app,
    udpTarget: `127.0.0.1:${udpPort}`,
    dir,
    stop: () => app.stop(),
    async destroy() {
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
