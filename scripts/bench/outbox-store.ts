// Outbox storage benchmark: append throughput, readBatch+ack drain throughput, bytes written to
// disk per record (from /proc/self/io) against the record JSON size, and peak RSS.
// Run: node --import tsx scripts/bench/outbox-store.ts [records] [dir]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Outbox, type NewRecord } from '../../src/outbox/index.js';

export interface OutboxBenchOptions {
  records?: number;
  /** Records per readBatch/ack round trip. */
  batch?: number;
  /** Parent directory for the temporary store (its filesystem is what gets measured). */
  baseDir?: string;
  sync?: boolean;
}

export interface OutboxBenchResult {
  records: number;
  recordJsonBytes: number;
  appendPerSec: number;
  durablePerSec: number;
  drainPerSec: number;
  /** Block-layer bytes written per record (write_bytes), append phase and whole run. */
  diskBytesPerRecordAppend: number | null;
  diskBytesPerRecordTotal: number | null;
  /** Bytes passed to write() per record (wchar), whole run: WAL plus compactions. */
  syscallBytesPerRecordTotal: number | null;
  /** Peak RSS of the whole process (includes the runtime, LevelDB caches and mmapped table pages). */
  peakRssMiB: number;
  /** Peak RSS before the benchmark started (runtime and loader alone). */
  baselineRssMiB: number;
  droppedPending: number;
}

interface IoCounters {
  wchar: number;
  writeBytes: number;
}

function readIo(): IoCounters | null {
  try {
    const text = fs.readFileSync('/proc/self/io', 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { wchar: field('wchar'), writeBytes: field('write_bytes') };
  } catch {
    return null;
  }
}

/** A typical uplink record: 23-byte PHYPayload, decoded payload, device metadata. */
function benchRecord(i: number): NewRecord {
  return {
    capturedAt: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
    radio: {
      source: 'udp:10.0.0.2',
      frequency: 868_100_000 + (i % 8) * 200_000,
      modulation: 'LORA',
      spreadingFactor: 7 + (i % 6),
      bandwidth: 125_000,
      codeRate: '4/5',
      fskDatarate: null,
      rssi: -40 - (i % 80),
      snr: 9.5,
      channel: i % 8,
      rfChain: 0,
      crc: 'ok',
      counterUs: (i * 1_000_003) >>> 0,
      gwTime: null,
    },
    phyPayload: Buffer.alloc(23, i & 0xff).toString('base64'),
    lorawan: {
      mType: 'UnconfirmedDataUp',
      devAddr: (0x26011000 + (i % 500)).toString(16).toUpperCase(),
      fCnt: i,
      fPort: 2,
      adr: true,
      ack: false,
      micValid: true,
    fCntReplay: null,
      joinEui: null,
      devEui: null,
      devNonce: null,
      parseError: null,
    },
    device: { devEui: '70B3D57ED0000001', name: `sensor-${i % 500}`, profile: 'env-sensor', owner: 'site-a' },
    decoded: { codec: 'env-sensor', data: { temperature: 21.5, humidity: 48, battery: 3.6 }, warnings: [], errors: [] },
  };
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function benchOutboxStore(options: OutboxBenchOptions = {}): Promise<OutboxBenchResult> {
  const records = options.records ?? 200_000;
  const batch = options.batch ?? 500;
  const base = options.baseDir ?? os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, 'lora-edge-bench-'));
  const baselineRssMiB = process.resourceUsage().maxRSS / 1024;
  try {
    const outbox = await Outbox.open({ dir, sync: options.sync ?? false, maxBytes: 4 * 1024 * 1024 * 1024 });
    const io0 = readIo();

    // Appends arrive in bursts (a packet-forwarder datagram carries several frames), with the event
    // loop free in between, as in the daemon. The producer backs off while a few groups are waiting,
    // so the figure is the sustainable rate rather than a count of pending-overflow drops.
    let appendMs = 0;
    const t0 = performance.now();
    for (let i = 0; i < records; i += 100) {
      const a = performance.now();
      for (let k = i; k < Math.min(records, i + 100); k++) outbox.append(benchRecord(k));
      appendMs += performance.now() - a;
      if (outbox.stats().pending > 2000) {
        await new Promise<void>((resolve) => {
          const off = outbox.onFlushed(() => {
            off();
            resolve();
          });
        });
      } else {
        await yieldToLoop();
      }
    }
    await outbox.flush();
    const durableMs = performance.now() - t0;
    const afterAppend = outbox.stats();
    const io1 = readIo();

    let after = 0;
    let drained = 0;
    const t1 = performance.now();
    for (;;) {
      const got = await outbox.readBatch(after, batch, 512 * 1024);
      if (got.length === 0) break;
      const last = got[got.length - 1]!.seq;
      await outbox.ack({ from: got[0]!.seq, to: last });
      after = last;
      drained += got.length;
    }
    const drainMs = performance.now() - t1;
    if (drained !== afterAppend.depth) throw new Error(`drained ${drained}, stored ${afterAppend.depth}`);
    await outbox.close();
    const io2 = readIo();

    const perRecord = (from: IoCounters | null, to: IoCounters | null, key: keyof IoCounters) =>
      from && to && Number.isFinite(to[key] - from[key]) ? (to[key] - from[key]) / records : null;
    return {
      records,
      recordJsonBytes: afterAppend.bytes / afterAppend.depth,
      appendPerSec: records / (appendMs / 1000),
      durablePerSec: records / (durableMs / 1000),
      drainPerSec: drained / (drainMs / 1000),
      diskBytesPerRecordAppend: perRecord(io0, io1, 'writeBytes'),
      diskBytesPerRecordTotal: perRecord(io0, io2, 'writeBytes'),
      syscallBytesPerRecordTotal: perRecord(io0, io2, 'wchar'),
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      baselineRssMiB,
      droppedPending: afterAppend.dropped.pending_overflow,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function printResult(r: OutboxBenchResult): void {
  const n = (v: number | null, digits = 0) => (v === null ? 'n/a' : v.toFixed(digits));
  console.log(`outbox-store benchmark: ${r.records} records, ${n(r.recordJsonBytes)} B JSON each`);
  console.log(`  append (synchronous part)      ${n(r.appendPerSec)} rec/s`);
  console.log(`  append until durable (flushed) ${n(r.durablePerSec)} rec/s`);
  console.log(`  drain readBatch+ack            ${n(r.drainPerSec)} rec/s`);
  console.log(`  disk write_bytes per record    ${n(r.diskBytesPerRecordAppend)} B append phase, ${n(r.diskBytesPerRecordTotal)} B whole run`);
  console.log(`  write() bytes per record       ${n(r.syscallBytesPerRecordTotal)} B whole run (WAL + compaction)`);
  console.log(`  amplification vs JSON          ${r.diskBytesPerRecordTotal === null ? 'n/a' : (r.diskBytesPerRecordTotal / r.recordJsonBytes).toFixed(2)}x (write_bytes, whole run)`);
  console.log(`  peak RSS                       ${n(r.peakRssMiB, 1)} MiB (${n(r.baselineRssMiB, 1)} MiB before the run)`);
  console.log(`  dropped while pending          ${r.droppedPending}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const records = process.argv[2] ? Number(process.argv[2]) : undefined;
  printResult(await benchOutboxStore({ records, baseDir: process.argv[3] }));
}
