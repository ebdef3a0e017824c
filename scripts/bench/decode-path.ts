// Cost of the device decode path per frame: DeviceDirectory.resolve() = DevAddr lookup, 32-bit
// FCnt, MIC check, replay check, FRMPayload decryption and a built-in codec. Frames are built and
// parsed before timing (parsing is the pipeline's job). Target: < 20 µs per frame.
// Run: node --import tsx scripts/bench/decode-path.ts [devices] [framesPerDevice]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDataUplink, parsePhyPayload, type PhyPayload } from '../../src/lorawan/index.js';
import { DeviceDirectory } from '../../src/devices/device-directory.js';
import { silentLogger } from '../../src/log.js';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { DEMO_FLEET, demoRegistryYaml, type DemoDeviceSpec } from '../../src/testing/device-payloads.js';
import { summaryLine } from './summary-line.js';

const deviceCount = Number(process.argv[2] ?? 200);
const framesPerDevice = Number(process.argv[3] ?? 150);

/** `count` devices cycling through the demo fleet's four models, each with its own address and keys. */
function fleet(count: number): DemoDeviceSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const model = DEMO_FLEET[i % DEMO_FLEET.length];
    const key = (tag: number) => Buffer.from(Array.from({ length: 16 }, (_, k) => (tag * 7 + i * 13 + k * 31) & 0xff)).toString('hex');
    return {
      ...model,
      name: `bench-${i}`,
      devEui: `70b3d57ed0b${i.toString(16).padStart(5, '0')}`,
      devAddr: (0x260b0000 + i).toString(16).padStart(8, '0'),
      nwkSKey: key(1),
      appSKey: key(2),
    };
  });
}

interface Prepared {
  phy: PhyPayload;
  frame: RadioFrame;
}

function prepare(devices: DemoDeviceSpec[], rounds: number, firstFCnt: number): Prepared[] {
  const out: Prepared[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const d of devices) {
      const fCnt32 = firstFCnt + r;
      const payload = buildDataUplink({ devAddr: d.devAddr, fCnt32, fPort: d.fPort, payload: d.payload(fCnt32), nwkSKey: d.nwkSKey, appSKey: d.appSKey });
      out.push({
        phy: parsePhyPayload(payload),
        frame: { source: 'bench', receivedAt: Date.now(), frequency: 868_100_000, modulation: 'LORA', crc: 'ok', rssi: -70, payload },
      });
    }
  }
  return out;
}

function timeResolve(dir: DeviceDirectory, frames: Prepared[]): { usPerFrame: number; attributed: number } {
  let attributed = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if (dir.resolve(f.phy, f.frame)?.device) attributed += 1;
  }
  const ns = Number(process.hrtime.bigint() - start);
  return { usPerFrame: ns / 1000 / frames.length, attributed };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lora-edge-'));
const devices = fleet(deviceCount);
const registry = path.join(tmp, 'registry.yaml');
fs.writeFileSync(registry, demoRegistryYaml(devices), { mode: 0o600 });
const dir = await DeviceDirectory.open({ registryPath: registry, stateDir: path.join(tmp, 'state'), codecTimeLimitMs: 50, logger: silentLogger(), watch: false });
try {
  const warm = prepare(devices, 20, 1);
  const measured = prepare(devices, framesPerDevice, 21);
  timeResolve(dir, warm);
  const run = timeResolve(dir, measured);
  const before = dir.counters();
  if (run.attributed !== measured.length || before.decoded !== warm.length + measured.length) {
    throw new Error(`expected every frame decoded: attributed ${run.attributed}/${measured.length}, decoded ${before.decoded}`);
  }
  // The same frames again: all replays (MIC checked, no decryption, no codec).
  const replay = timeResolve(dir, measured);
  const unknownFrames = prepare(fleet(deviceCount).map((d, i) => ({ ...d, devAddr: (0x26ff0000 + i).toString(16) })), 10, 1);
  const unknown = timeResolve(dir, unknownFrames);

  const perSec = (us: number) => Math.round(1e6 / us).toLocaleString('en-US');
  console.log(`decode path: ${deviceCount} devices (${DEMO_FLEET.map((d) => d.profile).join(', ')}), ${measured.length} frames`);
  console.log(`  resolve, MIC + decrypt + built-in codec: ${run.usPerFrame.toFixed(2)} µs/frame (${perSec(run.usPerFrame)} frames/s); target < 20 µs`);
  console.log(`  resolve, replayed FCnt (MIC only):       ${replay.usPerFrame.toFixed(2)} µs/frame`);
  console.log(`  resolve, unknown DevAddr:                ${unknown.usPerFrame.toFixed(3)} µs/frame`);
  console.log(
    summaryLine('decode-path', {
      devices: deviceCount, frames: measured.length, us_per_frame: Number(run.usPerFrame.toFixed(2)),
      replay_us_per_frame: Number(replay.usPerFrame.toFixed(2)), unknown_us_per_frame: Number(unknown.usPerFrame.toFixed(3)),
    }),
  );
} finally {
  await dir.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
