// Throughput of parse + MIC verify + FRMPayload decrypt: our src/lorawan module against
// lora-packet (fromWire, verifyMIC, decrypt) on the same ~1000 varied data frames.
// Run: node --import tsx scripts/bench/lorawan-decode.ts
import { pathToFileURL } from 'node:url';
import loraPacketModule from 'lora-packet';
import {
  buildDataDownlink,
  buildDataUplink,
  decryptFrmPayload,
  parsePhyPayload,
  verifyDataMic,
} from '../../src/lorawan/index.js';

type LoraPacketApi = typeof loraPacketModule.default;
const lora: LoraPacketApi =
  (loraPacketModule as unknown as { default?: LoraPacketApi }).default ?? (loraPacketModule as unknown as LoraPacketApi);

interface BenchFrame {
  bytes: Buffer;
  nwkSKey: Buffer;
  appSKey: Buffer;
}

export interface LorawanDecodeBench {
  oursPerSec: number;
  lorapacketPerSec: number;
  ratio: number;
}

const FRAME_COUNT = 1000;
const DEVICE_COUNT = 100;

/** Deterministic mix: 100 devices, both directions, FPort absent / 0 / 1..223, 0..51-byte payloads, some FOpts. */
function makeFrames(): BenchFrame[] {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => next() & 0xff));
  const devices = Array.from({ length: DEVICE_COUNT }, () => ({ devAddr: next(), nwkSKey: bytes(16), appSKey: bytes(16) }));
  const frames: BenchFrame[] = [];
  for (let i = 0; i < FRAME_COUNT; i++) {
    const d = devices[i % DEVICE_COUNT];
    const fPort = i % 10 === 0 ? 0 : 1 + (next() % 223);
    const input = {
      devAddr: d.devAddr,
      fCnt32: next() % 0x10000,
      fPort,
      payload: fPort === 0 ? bytes(1 + (next() % 5)) : bytes(next() % 52),
      fOpts: fPort !== 0 && i % 4 === 0 ? bytes(1 + (next() % 5)) : undefined,
      adr: i % 2 === 0,
      nwkSKey: d.nwkSKey,
      appSKey: d.appSKey,
    };
    const frame = i % 5 === 4 ? buildDataDownlink(input) : buildDataUplink(input);
    frames.push({ bytes: frame, nwkSKey: d.nwkSKey, appSKey: d.appSKey });
  }
  return frames;
}

function decodeOurs(f: BenchFrame): number {
  const frame = parsePhyPayload(f.bytes);
  if (frame.kind !== 'data') throw new Error('bench frame is not a data frame');
  if (!verifyDataMic(frame, f.nwkSKey)) throw new Error('bench frame failed our MIC check');
  if (frame.fPort === null) return 0;
  return decryptFrmPayload(frame, frame.fPort === 0 ? f.nwkSKey : f.appSKey).length;
}

function decodeLoraPacket(f: BenchFrame): number {
  const packet = lora.fromWire(f.bytes);
  if (!lora.verifyMIC(packet, f.nwkSKey)) throw new Error('bench frame failed the lora-packet MIC check');
  if (packet.getFPort() === null) return 0;
  return lora.decrypt(packet, f.appSKey, f.nwkSKey).length;
}

/** Frames per second of `decode` over the set, looping for about `durationMs`. */
function measure(frames: BenchFrame[], decode: (f: BenchFrame) => number, durationMs: number): number {
  let done = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const limit = start + BigInt(durationMs) * 1_000_000n;
  let now = start;
  while (now < limit) {
    for (let i = 0; i < frames.length; i++) sink += decode(frames[i]);
    done += frames.length;
    now = process.hrtime.bigint();
  }
  if (sink < 0) console.log(sink); // keeps the work observable
  return done / (Number(now - start) / 1e9);
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function benchLorawanDecode(opts: { durationMs?: number; warmupMs?: number } = {}): Promise<LorawanDecodeBench> {
  const durationMs = opts.durationMs ?? 1000;
  const warmupMs = opts.warmupMs ?? 200;
  const frames = makeFrames();
  measure(frames, decodeOurs, warmupMs);
  await yieldToLoop();
  measure(frames, decodeLoraPacket, warmupMs);
  await yieldToLoop();
  const oursPerSec = measure(frames, decodeOurs, durationMs);
  await yieldToLoop();
  const lorapacketPerSec = measure(frames, decodeLoraPacket, durationMs);
  return { oursPerSec, lorapacketPerSec, ratio: oursPerSec / lorapacketPerSec };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchLorawanDecode();
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`LoRaWAN data frame parse + MIC verify + decrypt (${FRAME_COUNT} frames, ${DEVICE_COUNT} devices)`);
  console.log(`  src/lorawan : ${fmt(r.oursPerSec)} frames/s`);
  console.log(`  lora-packet : ${fmt(r.lorapacketPerSec)} frames/s`);
  console.log(`  ratio       : ${r.ratio.toFixed(1)}x`);
}
