// The gateway's fleet part against a real device directory (temp dirs, the codec sandbox) and an
// in-memory hub: what is refused and why (too large, another gateway's, older, wrong topic), what a
// re-delivery does (nothing), a withdrawal, local registry entries winning over the bundle, and a
// restart without a hub applying the bundle kept on disk.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceDirectory } from '../../src/devices/index.js';
import { FleetSync, bundleFile } from '../../src/fleet/fleet-sync.js';
import { encodeBundle, makeEnvelope, BUNDLE_FORMAT, type BundleContent } from '../../src/fleet/bundle-format.js';
import type { FleetState } from '../../src/fleet/fleet-state.js';
import { Topics, fleetBundleTopic } from '../../src/mqtt/chirpstack/topics.js';
import { topicMatches } from '../../src/mqtt/hub-client.js';
import { silentLogger } from '../../src/log.js';

const GW = '0016c001ff10a235';
const NWK = '7a1d3e5f60718293a4b5c6d7e8f90a1b';
const PROFILE = ['id: city-light', 'vendor: City', 'model: L1', 'category: streetlight', 'codec: ./codecs/city-light.js', 'fPorts: [5]', 'class: A', 'region: EU868', 'description: t', ''].join('\n');

class MemoryHub {
  readonly topics = new Topics('eu868', GW);
  online = true;
  readonly published: Array<{ topic: string; payload: string }> = [];
  private readonly subs: Array<{ filter: string; onMessage: (t: string, p: Buffer) => void }> = [];
  subscribe(filter: string, onMessage: (t: string, p: Buffer) => void): void {
    this.subs.push({ filter, onMessage });
  }
  async publish(topic: string, payload: Buffer | string): Promise<void> {
    this.published.push({ topic, payload: payload.toString() });
  }
  onOnline(): void {}
  deliver(topic: string, payload: Buffer): void {
    for (const s of this.subs) if (topicMatches(s.filter, topic)) s.onMessage(topic, payload);
  }
  lastState(): FleetState | undefined {
    const m = this.published.filter((p) => p.topic.endsWith('/fleet/state')).at(-1);
    return m ? (JSON.parse(m.payload) as FleetState) : undefined;
  }
}

function device(i: number): Record<string, unknown> {
  return { devEui: (0x1000 + i).toString(16).padStart(16, '0'), name: `light-${i}`, profile: 'city-light', owner: 'city', activation: { devAddr: (0x26000000 + i).toString(16), nwkSKey: NWK, appSKey: NWK } };
}

function bundle(over: Partial<BundleContent> = {}): Buffer {
  const content: BundleContent = {
    format: BUNDLE_FORMAT, formatVersion: 1, version: 'v1', scope: 'fleet', createdAt: '2026-12-06T12:00:00.000Z',
    profiles: [{ name: 'city-light.yaml', text: PROFILE }],
    codecs: [{ name: 'city-light.js', source: 'function decodeUplink(i) { return { data: { level: i.bytes[0] } }; }' }],
    devices: [device(1), device(2)],
    ...over,
  };
  return encodeBundle(makeEnvelope(content));
}

async function rig(root: string, opts: { maxBundleBytes?: number; registry?: string } = {}) {
  const directory = await DeviceDirectory.open({ stateDir: join(root, 'device-state'), codecTimeLimitMs: 50, logger: silentLogger(), watch: false, registryPath: opts.registry });
  const hub = new MemoryHub();
  const fleet = new FleetSync({
    gatewayId: GW, topicPrefix: 'eu868', hub, directory, dir: join(root, 'fleet'), trustedKeys: [],
    maxBundleBytes: opts.maxBundleBytes ?? 1024 * 1024, maxExpandedBytes: 8 * 1024 * 1024, codecTimeLimitMs: 50, logger: silentLogger(),
  });
  await fleet.start();
  return {
    directory, hub, fleet,
    async send(topic: string, payload: Buffer) {
      hub.deliver(topic, payload);
      await fleet.idle();
    },
    async close() {
      await fleet.stop();
      await directory.close();
    },
  };
}

test('refusals keep the bundle in use and say why; re-deliveries change nothing; withdrawal removes', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lora-edge-fleet-sync-'));
  const r = await rig(root, { maxBundleBytes: 4096 });
  const fleetTopic = fleetBundleTopic('eu868');
  const gwTopic = r.hub.topics.fleet('bundle');
  try {
    await r.send(fleetTopic, bundle());
    assert.is(r.hub.lastState()?.fleet?.version, 'v1');
    assert.is(r.directory.deviceCount, 2);
    assert.ok(existsSync(bundleFile(join(root, 'fleet'), 'fleet')), 'kept on disk');

    await r.send(fleetTopic, bundle());
    assert.is(r.fleet.counters.bundlesApplied, 1, 'the same bundle again is not applied again');

    const refusedWith = async (topic: string, wire: Buffer, pattern: RegExp) => {
      await r.send(topic, wire);
      const s = r.hub.lastState()!;
      assert.is(s.status, 'refused');
      assert.ok(s.refused!.reasons.some((x) => pattern.test(x)), `${pattern}: ${JSON.stringify(s.refused)}`);
      assert.is(s.fleet?.version, 'v1', 'v1 stays');
      assert.is(r.directory.deviceCount, 2);
    };
    const big = bundle({ version: 'v-big', devices: Array.from({ length: 400 }, (_, i) => ({ ...device(i), name: `${Math.random()}`.repeat(4) })) });
    await refusedWith(fleetTopic, big, /accepts at most 4096/);
    await refusedWith(fleetTopic, bundle({ version: 'v0', createdAt: '2026-12-01T00:00:00.000Z' }), /an older bundle is not applied/);
    await refusedWith(gwTopic, bundle({ version: 'g1', scope: 'gateway', gatewayId: 'ffffffffffffffff' }), /is for gateway ffffffffffffffff/);
    await refusedWith(gwTopic, bundle({ version: 'g2' }), /a fleet bundle arrived on the gateway bundle topic/);
    await refusedWith(fleetTopic, Buffer.from('not a bundle'), /not JSON/);

    await r.send(gwTopic, bundle({ version: 'g3', scope: 'gateway', gatewayId: GW, profiles: [], codecs: [], devices: [device(3)] }));
    assert.is(r.hub.lastState()?.gateway?.version, 'g3');
    assert.is(r.directory.deviceCount, 3, 'the gateway bundle extends the fleet one');

    // Withdrawing the fleet bundle would leave the gateway bundle without its profile: refused, both stay.
    await r.send(fleetTopic, Buffer.alloc(0));
    let s = r.hub.lastState()!;
    assert.is(s.status, 'refused');
    assert.match(s.refused!.reasons[0], /removing the fleet bundle leaves the other one unusable/);
    assert.is(s.fleet?.version, 'v1');
    assert.is(r.directory.deviceCount, 3);
    // Withdraw the gateway bundle first, then the fleet bundle: all fleet devices go.
    await r.send(gwTopic, Buffer.alloc(0));
    await r.send(fleetTopic, Buffer.alloc(0));
    s = r.hub.lastState()!;
    assert.is(s.status, 'applied');
    assert.is(s.fleet, null);
    assert.is(s.gateway, null);
    assert.is(r.directory.deviceCount, 0);
    assert.not.ok(existsSync(bundleFile(join(root, 'fleet'), 'fleet')), 'the kept file goes too');
  } finally {
    await r.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a restart without a hub applies the kept bundle; the local registry wins over it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lora-edge-fleet-sync-'));
  try {
    const first = await rig(root);
    await first.send(fleetBundleTopic('eu868'), bundle({ version: 'v7' }));
    assert.is(first.directory.deviceCount, 2);
    await first.close();

    const registry = join(root, 'devices.yaml');
    writeFileSync(
      registry,
      ['devices:', `  - devEui: "${(device(1).devEui as string)}"`, '    name: local-light', '    profile: nasys-ul20xx', '    owner: site', '    activation:',
        '      devAddr: "26000001"', `      nwkSKey: "${NWK}"`, `      appSKey: "${NWK}"`, ''].join('\n'),
      { mode: 0o600 },
    );
    const second = await rig(root, { registry });
    assert.is(second.fleet.state().fleet?.version, 'v7', 'applied from disk, no hub message');
    assert.is(second.directory.deviceCount, 2);
    assert.is(second.directory.device(device(1).devEui as string)?.record.name, 'local-light', 'the local entry wins');
    assert.is(second.directory.fleetStatus().shadowedByLocal, 1);
    await second.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
