// Serial radio benchmark: (1) pure parser throughput per driver (framer + line/message decoder over
// a large buffer of noisy frames fed in random 1-64 byte pieces); (2) end to end through a socat
// pty: simulator in burst mode -> SerialSource -> frames/s.
// Run: node --import tsx scripts/bench/serial.ts [--e2e-seconds 2] [--frames 100000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import type { AtLine } from '../../src/radio/serial/at/dialect.js';
import { parseLoraE5Line } from '../../src/radio/serial/at/lora-e5.js';
import { parseRak3172Line } from '../../src/radio/serial/at/rak3172.js';
import { parseRn2483Line } from '../../src/radio/serial/at/rn2483.js';
import { LineFramer } from '../../src/radio/serial/line-framer.js';
import { Semtech2g4Framer, encodeFrame } from '../../src/radio/serial/semtech-2g4/framer.js';
import { ORDER, decodeMsgReceive, encodeMsgReceive } from '../../src/radio/serial/semtech-2g4/messages.js';
import { type SerialDriverName, serialDriverNames } from '../../src/radio/serial/driver-registry.js';
import { SerialSource } from '../../src/radio/serial/serial-source.js';
import { defaultPayload, startSerialSimulator } from '../../src/testing/serial/simulator.js';
import { seededRandom } from '../../src/testing/serial/simulator-port.js';
import { socatInstalled } from '../../src/testing/serial/pty-pair.js';
import { summaryLine, type SummaryFields } from './summary-line.js';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const FRAMES = argument('--frames', 100_000);
const E2E_SECONDS = argument('--e2e-seconds', 2);
const random = seededRandom(99);

function pieces(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < stream.length; ) {
    const size = 1 + Math.floor(random() * 64);
    out.push(stream.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}

function atStream(linesFor: (i: number) => string[]): Buffer {
  const text: string[] = [];
  for (let i = 0; i < FRAMES; i++) {
    if (i % 10 === 0) text.push('\u0000noise#%');
    text.push(...linesFor(i));
  }
  return Buffer.from(`${text.join('\r\n')}\r\n`, 'latin1');
}

interface ParseResult {
  driver: string;
  frames: number;
  bytes: number;
  ms: number;
}

function parseAt(driver: string, stream: Buffer, parse: (line: string) => AtLine): ParseResult {
  const chunks = pieces(stream);
  const started = performance.now();
  const framer = new LineFramer();
  let frames = 0;
  for (const chunk of chunks) for (const line of framer.push(chunk)) if (parse(line).kind === 'rx') frames += 1;
  return { driver, frames, bytes: stream.length, ms: performance.now() - started };
}

function parse2g4(): ParseResult {
  const parts: Buffer[] = [];
  for (let i = 0; i < FRAMES; i++) {
    if (i % 10 === 0) parts.push(Buffer.from([0x21, 0x22, 0x23]));
    const event = encodeMsgReceive({ radio: i % 3, timestampUs: i * 1000, frequencyErrorHz: -300, snr: 7, rssi: -80, payload: defaultPayload(i) });
    parts.push(encodeFrame(7, ORDER.EVT_MSG_RECEIVE, event));
  }
  const stream = Buffer.concat(parts);
  const chunks = pieces(stream);
  const started = performance.now();
  const framer = Semtech2g4Framer.forHost();
  let frames = 0;
  for (const chunk of chunks) {
    for (const frame of framer.push(chunk)) {
      decodeMsgReceive(frame.payload);
      frames += 1;
    }
  }
  return { driver: 'semtech-2g4', frames, bytes: stream.length, ms: performance.now() - started };
}

async function endToEnd(driver: SerialDriverName): Promise<{ driver: string; frames: number; seconds: number; errors: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-bench-'));
  const link = join(dir, 'tty');
  const simulator = await startSerialSimulator({ driver, link, intervalMs: 0 });
  let frames = 0;
  const source = new SerialSource({
    id: 'bench',
    path: link,
    driver,
    logger: silentLogger(),
    onFrame: () => {
      frames += 1;
    },
    frequency: 868_100_000,
    resetSettleMs: 10,
  });
  try {
    await source.start();
    const deadline = Date.now() + 10_000;
    while (frames === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const startFrames = frames;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, E2E_SECONDS * 1000));
    const seconds = (performance.now() - started) / 1000;
    const counters = source.counters();
    return { driver, frames: frames - startFrames, seconds, errors: counters.commandTimeouts + counters.malformedMessages };
  } finally {
    await source.stop();
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const hex = (payload: Buffer): string => payload.toString('hex').toUpperCase();
const results = [
  parse2g4(),
  parseAt('lora-e5', atStream((i) => [`+TEST: LEN:12, RSSI:-${40 + (i % 50)}, SNR:${i % 12}`, `+TEST: RX "${hex(defaultPayload(i))}"`]), parseLoraE5Line),
  parseAt('rak3172', atStream((i) => [`+EVT:RXP2P:-${40 + (i % 50)}:${i % 12}:${hex(defaultPayload(i))}`]), parseRak3172Line),
  parseAt('rn2483', atStream((i) => [`radio_rx  ${hex(defaultPayload(i))}`]), parseRn2483Line),
];

const summary: SummaryFields = {};
for (const r of results) summary[`parse_${r.driver}_per_s`] = Math.round(r.frames / (r.ms / 1000));
console.log(`\nParser throughput (framer + decoder, ${FRAMES} frames with noise, fed in random 1-64 byte pieces)`);
console.log('driver        frames/s      MB/s   frames');
for (const r of results) {
  console.log(
    `${r.driver.padEnd(12)} ${Math.round(r.frames / (r.ms / 1000)).toLocaleString('en-US').padStart(10)} ${(r.bytes / 1e6 / (r.ms / 1000)).toFixed(1).padStart(8)} ${String(r.frames).padStart(8)}`,
  );
}

if (!socatInstalled()) {
  console.log('\nEnd to end: skipped (socat not installed)');
} else {
  console.log(`\nEnd to end through a socat pty (simulator in burst mode -> SerialSource), ${E2E_SECONDS} s each`);
  console.log('driver        frames/s   frames  errors');
  for (const driver of serialDriverNames) {
    const r = await endToEnd(driver);
    console.log(`${r.driver.padEnd(12)} ${Math.round(r.frames / r.seconds).toLocaleString('en-US').padStart(9)} ${String(r.frames).padStart(8)} ${String(r.errors).padStart(7)}`);
    summary[`pty_${r.driver}_per_s`] = Math.round(r.frames / r.seconds);
    summary[`pty_${r.driver}_errors`] = r.errors;
  }
}
console.log(summaryLine('serial', summary));
