// The device resolver with real frames: MIC and FCnt checks, decryption and decoding, shared
// DevAddrs, FPort 0, unknown devices, OTAA join requests, and FCnt state across restarts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { buildDataDownlink, buildDataUplink, buildJoinRequest, parsePhyPayload } from '../../src/lorawan/index.js';
import { DeviceDirectory } from '../../src/devices/device-directory.js';
import { parkingStatusPayload, roomClimatePayload, streetLightUsagePayload } from '../../src/testing/device-payloads.js';
import { captureLogger, radioFrame, registryYaml, tempDir, type AbpSpec, type OtaaSpec } from '../fixtures/devices/helpers.js';

const LAMP: AbpSpec = {
  devEui: '70b3d57ed0001001', name: 'lamp-1', profile: 'nasys-ul20xx', owner: 'city-lighting',
  devAddr: '26011001', nwkSKey: '11111111111111111111111111111111', appSKey: '21212121212121212121212121212121',
};
// Two devices sharing one DevAddr.
const PARKING: AbpSpec = {
  devEui: '70b3d57ed0001002', name: 'bay-7', profile: 'nwave-nps405', owner: 'parking-co',
  devAddr: '26011002', nwkSKey: '12121212121212121212121212121212', appSKey: '22222222222222222222222222222222',
};
const ROOM: AbpSpec = {
  devEui: '70b3d57ed0001003', name: 'room-3', profile: 'elsys-ers', owner: 'facilities',
  devAddr: '26011002', nwkSKey: '13131313131313131313131313131313', appSKey: '23232323232323232323232323232323',
};
const OTAA: OtaaSpec = {
  devEui: '70b3d57ed0001004', name: 'room-4', profile: 'elsys-ers', owner: 'facilities',
  joinEui: '70b3d57ed0000000', appKey: '2b7e151628aed2a6abf7158809cf4f3c',
};
const ALL = [LAMP, PARKING, ROOM, OTAA];

interface Env {
  dir: string;
  registry: string;
  stateDir: string;
}

function makeEnv(devices: Array<AbpSpec | OtaaSpec> = ALL): Env {
  const dir = tempDir();
  const registry = path.join(dir, 'registry.yaml');
  fs.writeFileSync(registry, registryYaml(devices), { mode: 0o600 });
  return { dir, registry, stateDir: path.join(dir, 'device-state') };
}

function open(env: Env, logger = captureLogger().logger): Promise<DeviceDirectory> {
  return DeviceDirectory.open({ registryPath: env.registry, stateDir: env.stateDir, codecTimeLimitMs: 50, logger, watch: false });
}

function uplink(d: AbpSpec, fCnt32: number, fPort: number | null, payload?: Buffer, keys?: Partial<AbpSpec>) {
  const bytes = buildDataUplink({
    devAddr: d.devAddr, fCnt32, fPort, payload, nwkSKey: keys?.nwkSKey ?? d.nwkSKey, appSKey: keys?.appSKey ?? d.appSKey,
  });
  return { phy: parsePhyPayload(bytes), frame: radioFrame(bytes) };
}

async function withDirectory(fn: (dir: DeviceDirectory, env: Env) => void | Promise<void>, devices?: Array<AbpSpec | OtaaSpec>): Promise<void> {
  const env = makeEnv(devices);
  const dir = await open(env);
  try {
    await fn(dir, env);
  } finally {
    await dir.close();
    fs.rmSync(env.dir, { recursive: true, force: true });
  }
}

const LAMP_RECORD = { devEui: LAMP.devEui, name: 'lamp-1', profile: 'nasys-ul20xx', owner: 'city-lighting' };

test('good MIC: attributed, 32-bit FCnt, decrypted and decoded by the profile codec', () =>
  withDirectory((dir) => {
    assert.is(dir.deviceCount, 4);
    const { phy, frame } = uplink(LAMP, 5, 26, streetLightUsagePayload(0));
    const out = dir.resolve(phy, frame);
    assert.equal(out, {
      device: LAMP_RECORD,
      micValid: true,
      fCnt: 5,
      fCntReplay: false,
      decoded: {
        codec: 'nasys-ul20xx',
        data: {
          packet_type: 'usage_packet',
          consumption: [{ address: 'internal_measurement', active_energy__Wh: 120000, active_power__W: 40, power_factor: 0.9, mains_voltage__V: 226 }],
        },
        warnings: [],
        errors: [],
      },
    });
    const c = dir.counters();
    assert.is(c.decoded, 1);
    assert.is(c.micFailures, 0);
  }));

test('bad MIC: neither attributed nor decoded, counted, and the counter does not move', () =>
  withDirectory((dir) => {
    const forged = uplink(LAMP, 9, 26, streetLightUsagePayload(1), { nwkSKey: '99999999999999999999999999999999' });
    assert.equal(dir.resolve(forged.phy, forged.frame), { device: null, micValid: false, fCnt: null, decoded: null, fCntReplay: null });
    assert.is(dir.counters().micFailures, 1);
    // The forged FCnt 9 was not accepted: a genuine FCnt 7 still decodes.
    const real = uplink(LAMP, 7, 26, streetLightUsagePayload(2));
    const out = dir.resolve(real.phy, real.frame);
    assert.is(out?.fCntReplay, false);
    assert.is(out?.decoded?.errors.length, 0);
  }));

test('replayed or older FCnt: flagged, attributed, not decoded; a warning once per device', async () => {
  const env = makeEnv();
  const { logger, lines } = captureLogger();
  const dir = await open(env, logger);
  try {
    const first = uplink(LAMP, 10, 26, streetLightUsagePayload(0));
    assert.is(dir.resolve(first.phy, first.frame)?.fCntReplay, false);
    for (const fCnt of [10, 3]) {
      const again = uplink(LAMP, fCnt, 26, streetLightUsagePayload(1));
      assert.equal(dir.resolve(again.phy, again.frame), { device: LAMP_RECORD, micValid: true, fCnt, decoded: null, fCntReplay: true });
    }
    assert.is(dir.counters().replays, 2);
    assert.is(dir.counters().decoded, 1);
    const warnings = lines.filter((l) => l.level === 'warn' && /did not advance/.test(String(l.msg)));
    assert.is(warnings.length, 1);
    assert.is(warnings[0].devEui, LAMP.devEui);
    assert.is(warnings[0].lastFCnt, 10);
    // Moving on is accepted again.
    const next = uplink(LAMP, 11, 26, streetLightUsagePayload(2));
    assert.is(dir.resolve(next.phy, next.frame)?.fCntReplay, false);
  } finally {
    await dir.close();
    fs.rmSync(env.dir, { recursive: true, force: true });
  }
});

test('FCnt roll-over: 0xFFFF then 0x0000 on air is 65536', () =>
  withDirectory((dir) => {
    const before = uplink(LAMP, 0xffff, 26, streetLightUsagePayload(0));
    assert.is(dir.resolve(before.phy, before.frame)?.fCnt, 0xffff);
    const after = uplink(LAMP, 0x10000, 26, streetLightUsagePayload(1));
    assert.is(after.phy.kind === 'data' && after.phy.fCnt, 0, '16 bits on air');
    const out = dir.resolve(after.phy, after.frame);
    assert.is(out?.micValid, true);
    assert.is(out?.fCnt, 0x10000);
    assert.is(out?.fCntReplay, false);
    assert.equal(out?.decoded?.errors, []);
  }));

test('shared DevAddr: each frame goes to the device whose key matches', () =>
  withDirectory((dir) => {
    const p = uplink(PARKING, 1, 1, parkingStatusPayload(0));
    const r = uplink(ROOM, 1, 5, roomClimatePayload(0));
    const po = dir.resolve(p.phy, p.frame);
    const ro = dir.resolve(r.phy, r.frame);
    assert.is(po?.device?.name, 'bay-7');
    assert.is(po?.decoded?.codec, 'nwave-nps405');
    assert.is(po?.decoded?.data?.occupied, true);
    assert.is(ro?.device?.name, 'room-3');
    assert.is(ro?.decoded?.codec, 'elsys-ers');
    assert.is(ro?.decoded?.data?.co2, 420);
    // Counters are per device: the room's FCnt 1 is not a replay of the parking sensor's.
    assert.is(ro?.fCntReplay, false);
    const wrong = uplink(PARKING, 2, 1, parkingStatusPayload(1), { nwkSKey: '77777777777777777777777777777777' });
    assert.is(dir.resolve(wrong.phy, wrong.frame)?.device, null);
  }));

test('FPort 0 (MAC commands) and frames without FPort: attributed, counter advanced, no codec', () =>
  withDirectory((dir) => {
    const mac = uplink(LAMP, 1, 0, Buffer.from([0x02]));
    assert.equal(dir.resolve(mac.phy, mac.frame), { device: LAMP_RECORD, micValid: true, fCnt: 1, decoded: null, fCntReplay: false });
    const empty = uplink(LAMP, 2, null);
    assert.equal(dir.resolve(empty.phy, empty.frame), { device: LAMP_RECORD, micValid: true, fCnt: 2, decoded: null, fCntReplay: false });
    const again = uplink(LAMP, 2, 26, streetLightUsagePayload(0));
    assert.is(dir.resolve(again.phy, again.frame)?.fCntReplay, true);
    assert.is(dir.counters().decoded, 0);
  }));

test('an fPort outside the profile still runs the codec, which reports the error (counted per codec)', () =>
  withDirectory((dir) => {
    const f = uplink(LAMP, 1, 1, Buffer.from([1, 2, 3]));
    const out = dir.resolve(f.phy, f.frame);
    assert.is(out?.device?.name, 'lamp-1');
    assert.is(out?.decoded?.data, null);
    assert.equal(out?.decoded?.errors, ['unknown fPort 1 for nasys-ul20xx (expected 23, 26, 60, 61, 99)']);
    assert.equal(dir.counters().codecErrors, { 'nasys-ul20xx': 1 });
  }));

test('unknown devices and downlinks: null (forwarded raw)', () =>
  withDirectory((dir) => {
    const stranger: AbpSpec = { ...LAMP, devAddr: '26019999' };
    const s = uplink(stranger, 1, 26, streetLightUsagePayload(0));
    assert.is(dir.resolve(s.phy, s.frame), null);
    const down = buildDataDownlink({ devAddr: LAMP.devAddr, fCnt32: 1, fPort: 26, payload: Buffer.from([1]), nwkSKey: LAMP.nwkSKey, appSKey: LAMP.appSKey });
    assert.is(dir.resolve(parsePhyPayload(down), radioFrame(down)), null);
    const c = dir.counters();
    assert.is(c.unknown, 1);
    assert.is(c.micFailures, 0);
  }));

test('OTAA join requests: attributed when the AppKey MIC matches', () =>
  withDirectory((dir) => {
    const good = buildJoinRequest({ joinEui: OTAA.joinEui, devEui: OTAA.devEui, devNonce: 0x1234, appKey: OTAA.appKey });
    assert.equal(dir.resolve(parsePhyPayload(good), radioFrame(good)), {
      device: { devEui: OTAA.devEui, name: 'room-4', profile: 'elsys-ers', owner: 'facilities' },
      micValid: true, fCnt: null, decoded: null, fCntReplay: null,
    });
    const forged = buildJoinRequest({ joinEui: OTAA.joinEui, devEui: OTAA.devEui, devNonce: 0x1235, appKey: '00000000000000000000000000000001' });
    assert.equal(dir.resolve(parsePhyPayload(forged), radioFrame(forged)), { device: null, micValid: false, fCnt: null, decoded: null, fCntReplay: null });
    const unknown = buildJoinRequest({ joinEui: OTAA.joinEui, devEui: '70b3d57ed000ffff', devNonce: 1, appKey: OTAA.appKey });
    assert.is(dir.resolve(parsePhyPayload(unknown), radioFrame(unknown)), null);
    // An ABP device's DevEUI in a join request is not an OTAA registration.
    const abpJoin = buildJoinRequest({ joinEui: OTAA.joinEui, devEui: LAMP.devEui, devNonce: 1, appKey: OTAA.appKey });
    assert.is(dir.resolve(parsePhyPayload(abpJoin), radioFrame(abpJoin)), null);
    const c = dir.counters();
    assert.is(c.joinRequests, 1);
    assert.is(c.micFailures, 1);
    assert.is(c.unknown, 2);
  }));

test('FCnt state survives close and reopen, including counters past 16 bits', async () => {
  const env = makeEnv();
  try {
    let dir = await open(env);
    const a = uplink(LAMP, 0x10005, 26, streetLightUsagePayload(0));
    // First frame of a session: the 16 bits on air are all we know, so seed the state below it.
    const seed = uplink(LAMP, 0xfff0, 26, streetLightUsagePayload(0));
    assert.is(dir.resolve(seed.phy, seed.frame)?.fCnt, 0xfff0);
    assert.is(dir.resolve(a.phy, a.frame)?.fCnt, 0x10005);
    await dir.close();

    dir = await open(env);
    try {
      const replay = uplink(LAMP, 0x10005, 26, streetLightUsagePayload(1));
      assert.is(dir.resolve(replay.phy, replay.frame)?.fCntReplay, true);
      const next = uplink(LAMP, 0x10006, 26, streetLightUsagePayload(2));
      const out = dir.resolve(next.phy, next.frame);
      assert.is(out?.micValid, true, 'MIC verified with the stored upper 16 bits');
      assert.is(out?.fCnt, 0x10006);
      assert.is(out?.fCntReplay, false);
    } finally {
      await dir.close();
    }
  } finally {
    fs.rmSync(env.dir, { recursive: true, force: true });
  }
});

test('a new DevAddr for a device starts a new counter session', async () => {
  const env = makeEnv([LAMP]);
  try {
    let dir = await open(env);
    const f = uplink(LAMP, 500, 26, streetLightUsagePayload(0));
    assert.is(dir.resolve(f.phy, f.frame)?.fCntReplay, false);
    await dir.close();
    const moved: AbpSpec = { ...LAMP, devAddr: '26017777' };
    fs.writeFileSync(env.registry, registryYaml([moved]));
    dir = await open(env);
    try {
      const g = uplink(moved, 1, 26, streetLightUsagePayload(1));
      assert.is(dir.resolve(g.phy, g.frame)?.fCntReplay, false);
    } finally {
      await dir.close();
    }
  } finally {
    fs.rmSync(env.dir, { recursive: true, force: true });
  }
});

test('no registry configured: nothing is attributed', async () => {
  const dir = tempDir();
  const directory = await DeviceDirectory.open({ stateDir: path.join(dir, 's'), codecTimeLimitMs: 50, logger: captureLogger().logger });
  try {
    const f = uplink(LAMP, 1, 26, streetLightUsagePayload(0));
    assert.is(directory.resolve(f.phy, f.frame), null);
    assert.is(directory.deviceCount, 0);
  } finally {
    await directory.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('keys never reach the log', async () => {
  const env = makeEnv();
  const { logger, text } = captureLogger();
  const dir = await open(env, logger);
  try {
    const f = uplink(LAMP, 1, 26, streetLightUsagePayload(0), { nwkSKey: '99999999999999999999999999999999' });
    dir.resolve(f.phy, f.frame);
    await dir.reload();
  } finally {
    await dir.close();
    fs.rmSync(env.dir, { recursive: true, force: true });
  }
  const all = text();
  assert.ok(all.includes('device registry loaded'));
  for (const d of [LAMP, PARKING, ROOM]) {
    assert.not.ok(all.includes(d.nwkSKey) || all.includes(d.appSKey));
  }
  assert.not.ok(all.includes(OTAA.appKey));
});

test.run();
