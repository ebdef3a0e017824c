// Fleet provisioning end to end against mosquitto: three daemons (child processes) take the bundles
// the hub tool publishes. A bundle applies on every daemon and a new device decodes; a bundle with a
// broken codec is refused by all of them, says why, and the old one keeps decoding; a daemon offline
// during a publish applies the latest bundle when it starts; a session hand-over makes an OTAA
// device decodable and a rejoin's low FCnt is no replay; a restart without a broker still decodes
// from the bundle kept on disk. No device key ever appears in a daemon's log or the status output.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { cleanupDir, startMosquitto, systemTier } from '../helpers/brokers.js';
import { createDaemonProcess, type DaemonProcess } from '../helpers/faults/daemon-process.js';
import { Collector } from '../helpers/mqtt-collector.js';
import { batchFilter, fleetBundleTopic, gatewayFleetTopic } from '../../src/mqtt/chirpstack/topics.js';
import { packagePath } from '../../src/paths.js';
import { buildDataUplink } from '../../src/lorawan/builders.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import { buildBundle } from '../../src/fleet/bundle-build.js';
import { newEd25519KeyPair } from '../../src/fleet/signing.js';
import type { HubBatch } from '../../src/mqtt/hub-batch.js';
import type { FleetState } from '../../src/fleet/fleet-state.js';

const tier = systemTier('mosquitto');
const MAIN = packagePath('dist', 'src', 'main.js');
const GATEWAYS = ['00000000000fee01', '00000000000fee02', '00000000000fee03'];

const LIGHT = { devEui: '00000000000a0001', devAddr: '260a0001', nwkSKey: '7a1d3e5f60718293a4b5c6d7e8f90a1b', appSKey: '1b0a9fe8d7c6b5a4938271605f4e3d2c' };
const LIGHT2 = { devEui: '00000000000a0002', devAddr: '260a0002', nwkSKey: '5c6d7e8f90a1b2c3d4e5f60718293a4b', appSKey: '3a4b5c6d7e8f9061728394a5b6c7d8e9' };
const OTAA = { devEui: '00000000000a0003', joinEui: '70b3d57ed0000000', appKey: '0f1e2d3c4b5a69788796a5b4c3d2e1f0' };
const SESSION1 = { devAddr: '01aa0003', nwkSKey: 'c0ffee00112233445566778899aabbcc', appSKey: 'deadbeef00112233445566778899aabb' };
const SESSION2 = { devAddr: '01bb0003', nwkSKey: 'a5a5a5a5000011112222333344445555', appSKey: '5a5a5a5a666677778888999900001111' };
const ALL_KEYS = [LIGHT.nwkSKey, LIGHT.appSKey, LIGHT2.nwkSKey, LIGHT2.appSKey, OTAA.appKey, SESSION1.nwkSKey, SESSION1.appSKey, SESSION2.nwkSKey, SESSION2.appSKey];

const GOOD_CODEC = 'function decodeUplink(input) { return { data: { level: input.bytes[0], port: input.fPort } }; }\n';
const BROKEN_CODEC = 'function decodeUplink(input) { return { data: { level: input.bytes[0] } ; }\n';

function writeBundleDir(dir: string, codec: string, devices: string[]): void {
  mkdirSync(join(dir, 'profiles', 'codecs'), { recursive: true });
  writeFileSync(
    join(dir, 'profiles', 'city-light.yaml'),
    ['id: city-light', 'vendor: City', 'model: L1', 'category: streetlight', 'codec: ./codecs/city-light.js', 'fPorts: [5]', 'class: A', 'region: EU868', 'description: test light', ''].join('\n'),
  );
  writeFileSync(join(dir, 'profiles', 'codecs', 'city-light.js'), codec);
  writeFileSync(join(dir, 'devices.yaml'), `devices:\n${devices.join('')}`);
}

function abpEntry(d: typeof LIGHT, name: string): string {
  return [`  - devEui: "${d.devEui}"`, `    name: ${name}`, '    profile: city-light', '    owner: city-lighting', '    activation:',
    `      devAddr: "${d.devAddr}"`, `      nwkSKey: "${d.nwkSKey}"`, `      appSKey: "${d.appSKey}"`, ''].join('\n');
}

function otaaEntry(): string {
  return [`  - devEui: "${OTAA.devEui}"`, '    name: ns-joined-light', '    profile: city-light', '    owner: city-lighting', '    activation:',
    `      joinEui: "${OTAA.joinEui}"`, `      appKey: "${OTAA.appKey}"`, ''].join('\n');
}

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

if (!tier.available && !tier.required) {
  console.log('skipped: mosquitto is not installed (apt-get install mosquitto)');
} else {
  test('fleet: bundles reach every daemon, a broken one is refused by all, late and offline daemons catch up, sessions hand over', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lora-edge-fleet-'));
    const broker = await startMosquitto();
    const hubKey = newEd25519KeyPair();
    const signKey = join(root, 'hub-sign.key');
    writeFileSync(signKey, hubKey.privatePem, { mode: 0o600 });
    const daemons: DaemonProcess[] = [];
    let hub: Collector | undefined;
    let raw: mqtt.MqttClient | undefined;
    const fcnt = new Map<string, number>();
    const sims: PacketForwarderSim[] = [];
    try {
      for (const id of GATEWAYS) {
        const dir = join(root, id);
        mkdirSync(dir);
        daemons.push(
          await createDaemonProcess({
            dir, gatewayId: id, brokerUrl: broker.url, logLevel: 'debug', compression: 'none',
            config: { fleet: { enabled: true, trustedKeys: [hubKey.publicBase64] } },
          }),
        );
      }
      hub = await Collector.connect(broker.url, [batchFilter('eu868'), gatewayFleetTopic('eu868', 'state')]);
      const states = (id: string): FleetState[] =>
        hub!.messages.filter((m) => m.topic === gatewayFleetTopic('eu868', 'state', id)).map((m) => JSON.parse(m.payload.toString()) as FleetState);
      const lastState = (id: string) => states(id).at(-1);
      const records = (id: string) =>
        hub!.messages.filter((m) => m.topic.endsWith('/hub/batch')).map((m) => JSON.parse(m.payload.toString()) as HubBatch).filter((b) => b.gatewayId === id).flatMap((b) => b.records);
      const send = async (d: DaemonProcess, gw: string, devAddr: string, keys: { nwkSKey: string; appSKey: string }, payload: number[], fCnt32?: number) => {
        const key = `${devAddr}:${keys.nwkSKey}`;
        const n = fCnt32 ?? (fcnt.get(key) ?? 0) + 1;
        fcnt.set(key, n);
        const phy = buildDataUplink({ mType: 'UnconfirmedDataUp', devAddr, fCnt32: n, fPort: 5, payload: Buffer.from(payload), ...keys });
        const sim = new PacketForwarderSim({ target: `127.0.0.1:${d.udpPort}`, gatewayEui: gw, ackTimeoutMs: 1000 });
        sims.push(sim);
        await sim.pushRxpk([makeRxpk({ payload: phy, tmst: n * 1000, rssi: -50, snr: 7 })]);
      };
      const decodedFor = (gw: string, devEui: string, level: number) =>
        records(gw).some((r) => r.device?.devEui === devEui && (r.decoded?.data as { level?: number } | null)?.level === level);

      // Two daemons up; the third stays off until later.
      await daemons[0].start();
      await daemons[1].start();

      // 1. Bundle v1: one street light; every running daemon applies it and decodes the light.
      const v1 = join(root, 'v1');
      writeBundleDir(v1, GOOD_CODEC, [abpEntry(LIGHT, 'light-1')]);
      const pub1 = cli(['fleet', 'publish', '--url', broker.url, '--sign-key', signKey, '--version', 'v1', v1]);
      assert.is(pub1.code, 0, pub1.stderr);
      for (const gw of GATEWAYS.slice(0, 2)) await until(() => lastState(gw)?.fleet?.version === 'v1', `${gw} to apply v1`);
      for (const [i, gw] of GATEWAYS.slice(0, 2).entries()) {
        await send(daemons[i], gw, LIGHT.devAddr, LIGHT, [42]);
        await until(() => decodedFor(gw, LIGHT.devEui, 42), `${gw} to decode the light`);
      }

      // 2. A bundle with a broken codec (published around the tool's own check): refused by all, v1 stays.
      const v2 = join(root, 'v2');
      writeBundleDir(v2, BROKEN_CODEC, [abpEntry(LIGHT, 'light-1'), abpEntry(LIGHT2, 'light-2')]);
      const refusedByTool = cli(['fleet', 'publish', '--url', broker.url, '--sign-key', signKey, '--version', 'v2', v2]);
      assert.is(refusedByTool.code, 1, 'the hub tool refuses the broken codec before publishing');
      assert.match(refusedByTool.stderr, /codec city-light\.js does not load/);
      const broken = buildBundle({ dir: v2, version: 'v2', signKeyPem: hubKey.privatePem });
      raw = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
      await raw.publishAsync(fleetBundleTopic('eu868'), broken.wire, { qos: 1, retain: true });
      for (const gw of GATEWAYS.slice(0, 2)) {
        await until(() => lastState(gw)?.status === 'refused', `${gw} to refuse v2`);
        const s = lastState(gw)!;
        assert.is(s.fleet?.version, 'v1', 'v1 stays applied');
        assert.is(s.refused?.version, 'v2');
        assert.ok(s.refused!.reasons.some((r) => /codec city-light\.js does not load/.test(r)), JSON.stringify(s.refused));
      }
      const statusRefused = cli(['fleet', 'status', '--url', broker.url]);
      assert.is(statusRefused.code, 1, statusRefused.stdout);
      assert.match(statusRefused.stdout, /REFUSED/);
      await send(daemons[0], GATEWAYS[0], LIGHT.devAddr, LIGHT, [43]);
      await until(() => decodedFor(GATEWAYS[0], LIGHT.devEui, 43), 'v1 to keep decoding after the refusal');

      // 3. Bundle v3 (a second light and an OTAA device) while the third daemon is off; it catches up on start.
      const v3 = join(root, 'v3');
      // 4,000 more devices make it larger than mqtt.maxPacketSize (128 KiB): MQTT 5 must still deliver it.
      const filler = Array.from({ length: 4000 }, (_, i) => {
        const key = createHash('sha256').update(`filler-${i}`).digest('hex').slice(0, 32);
        return abpEntry({ devEui: (0xf000000 + i).toString(16).padStart(16, '0'), devAddr: (0x27000000 + i).toString(16), nwkSKey: key, appSKey: key }, `filler-${i}`);
      });
      writeBundleDir(v3, GOOD_CODEC, [abpEntry(LIGHT, 'light-1'), abpEntry(LIGHT2, 'light-2'), otaaEntry(), ...filler]);
      const pub3 = cli(['fleet', 'publish', '--url', broker.url, '--sign-key', signKey, '--version', 'v3', v3]);
      assert.is(pub3.code, 0, pub3.stderr);
      assert.ok((JSON.parse(pub3.stdout) as { wireBytes: number }).wireBytes > 128 * 1024, `v3 is above 128 KiB on the wire: ${pub3.stdout}`);
      await daemons[2].start();
      for (const gw of GATEWAYS) await until(() => lastState(gw)?.fleet?.version === 'v3', `${gw} to apply v3`);
      await send(daemons[2], GATEWAYS[2], LIGHT2.devAddr, LIGHT2, [7]);
      await until(() => decodedFor(GATEWAYS[2], LIGHT2.devEui, 7), 'the late daemon to decode the new light');
      const statusOk = cli(['fleet', 'status', '--url', broker.url]);
      assert.is(statusOk.code, 0, statusOk.stdout);
      assert.match(statusOk.stdout, /3 gateways, 0 need attention/);

      // 4. Session hand-over for the OTAA device (joined through the network server), then a rejoin.
      const sessionFile = join(root, 'session.json');
      writeFileSync(sessionFile, JSON.stringify({ devEui: OTAA.devEui, devAddr: SESSION1.devAddr, lorawan: '1.0', fCntUp: 10, joinedAt: '2026-12-06T10:00:00.000Z', keys: { nwkSKey: SESSION1.nwkSKey, appSKey: SESSION1.appSKey } }));
      const ses1 = cli(['fleet', 'session', '--url', broker.url, '--sign-key', signKey, '--file', sessionFile]);
      assert.is(ses1.code, 0, ses1.stderr);
      await until(() => (lastState(GATEWAYS[1])?.sessions ?? 0) === 1, 'the session to be taken');
      await send(daemons[1], GATEWAYS[1], SESSION1.devAddr, SESSION1, [11], 11);
      await until(() => decodedFor(GATEWAYS[1], OTAA.devEui, 11), 'the OTAA device to decode with the handed-over session');
      writeFileSync(sessionFile, JSON.stringify({ devEui: OTAA.devEui, devAddr: SESSION2.devAddr, lorawan: '1.0', fCntUp: null, joinedAt: '2026-12-06T11:00:00.000Z', keys: { nwkSKey: SESSION2.nwkSKey, appSKey: SESSION2.appSKey } }));
      assert.is(cli(['fleet', 'session', '--url', broker.url, '--sign-key', signKey, '--file', sessionFile]).code, 0);
      await until(async () => {
        await send(daemons[1], GATEWAYS[1], SESSION2.devAddr, SESSION2, [12], 0);
        await new Promise((r) => setTimeout(r, 300));
        return decodedFor(GATEWAYS[1], OTAA.devEui, 12);
      }, 'the rejoined session (FCnt 0) to decode, not be flagged a replay');

      // 5. Restart without a broker: the kept bundle still decodes.
      await daemons[0].stop();
      await broker.stop();
      await daemons[0].start();
      await send(daemons[0], GATEWAYS[0], LIGHT2.devAddr, LIGHT2, [9]);
      await until(async () => {
        const st = (await daemons[0].status()) as unknown as { devices?: { decoded?: Record<string, number> }; fleet?: { fleetVersion?: string } } | undefined;
        return st?.fleet?.fleetVersion === 'v3' && (st.devices?.decoded?.['city-light.js'] ?? 0) >= 1;
      }, 'the restarted daemon (no broker) to decode from the kept bundle');

      // No key in any log line or status output.
      const outputs = [...daemons.map((d) => readFileSync(d.logFile, 'utf8')), statusRefused.stdout, statusOk.stdout, JSON.stringify(await daemons[0].status())];
      for (const text of outputs) {
        for (const key of ALL_KEYS) assert.not.ok(text.toLowerCase().includes(key), `key material in output: ${key}`);
      }
    } finally {
      for (const s of sims) await s.close().catch(() => undefined);
      await raw?.endAsync(true).catch(() => undefined);
      for (const d of daemons) await d.stop().catch(() => undefined);
      await hub?.close();
      await broker.stop();
      if (process.env.LORA_EDGE_KEEP_FAULT_DIRS === '1') console.log(`kept ${root}`);
      else cleanupDir(root);
    }
  });
}

test.run();
