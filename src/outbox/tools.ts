// Operator tools (the CLI calls these with the daemon stopped): a stats report and a JSON-lines
// export. Both open the store without creating it and never modify it.
import fs from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { Level } from 'level';
import { OutboxNotFoundError, OutboxOpenError } from './errors.js';
import { capturedAtOf, consistentMeta, decodeEntry, iterateEntries, openStore, readEdge, readMeta, scanMeta } from './store.js';
import type { OutboxDb } from './store.js';

export interface OutboxStatsReport {
  dir: string;
  depth: number;
  bytes: number;
  firstSeq: number | null;
  lastSeq: number | null;
  nextSeq: number;
  oldestCapturedAt: string | null;
  /** Age of the first record in seq order; null when empty. */
  oldestAgeMs: number | null;
  newestCapturedAt: string | null;
  newestAgeMs: number | null;
  /** False when the meta entry was missing or inconsistent and the figures come from a scan. */
  metaConsistent: boolean;
}

function ageOf(capturedAt: string | null, now: number): number | null {
  if (capturedAt === null) return null;
  return now - Date.parse(capturedAt);
}

async function withStore<T>(dir: string, use: (db: OutboxDb) => Promise<T>): Promise<T> {
  const db = await openStore(dir, { create: false });
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

/**
 * Opens the store read-only as it is; a damaged one (power cut, failing SD card, or one the daemon
 * moved aside) is copied to a temporary directory, repaired there by LevelDB and read from the copy.
 */
async function withStoreOrSalvage<T extends object>(dir: string, use: (db: OutboxDb) => Promise<T>): Promise<T & { salvaged?: boolean }> {
  try {
    return await withStore(dir, use);
  } catch (err) {
    if (!(err instanceof OutboxOpenError) && !(err instanceof OutboxNotFoundError && fs.existsSync(dir) && fs.statSync(dir).isDirectory())) {
      throw err;
    }
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'lora-edge-salvage-'));
    try {
      fs.cpSync(dir, copy, { recursive: true });
      fs.rmSync(path.join(copy, 'LOCK'), { force: true });
      await (Level as unknown as { repair(dir: string): Promise<void> }).repair(copy);
      return { ...(await withStore(copy, use)), salvaged: true };
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }
}

export async function outboxStatsReport(dir: string, now: number = Date.now()): Promise<OutboxStatsReport> {
  return withStore(dir, async (db) => {
    const stored = await readMeta(db);
    const head = await readEdge(db, false);
    const tail = await readEdge(db, true);
    const consistent = consistentMeta(stored, head, tail);
    const meta = consistent ?? (await scanMeta(db, stored.nextSeqFloor));
    const oldestCapturedAt = capturedAtOf(head);
    const newestCapturedAt = capturedAtOf(tail);
    return {
      dir,
      depth: meta.count,
      bytes: meta.bytes,
      firstSeq: head?.seq ?? null,
      lastSeq: tail?.seq ?? null,
      nextSeq: meta.nextSeq,
      oldestCapturedAt,
      oldestAgeMs: ageOf(oldestCapturedAt, now),
      newestCapturedAt,
      newestAgeMs: ageOf(newestCapturedAt, now),
      metaConsistent: consistent !== null,
    };
  });
}

export interface ExportResult {
  /** The store could not be opened as it is: a repaired copy was read (the original is untouched). */
  salvaged?: boolean;
  records: number;
  bytes: number;
  /** Undecodable values left out of the export. */
  skippedCorrupt: number;
}

/** Records between progress callbacks. */
const PROGRESS_EVERY = 1000;

/**
 * Writes every stored record as one JSON line, in seq order, streaming. The file appears under its
 * final name only when complete (written as `<outFile>.partial`, then renamed).
 */
export async function exportOutbox(
  dir: string,
  outFile: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ExportResult> {
  return withStoreOrSalvage(dir, async (db) => {
    const stored = await readMeta(db);
    const meta = stored.meta ?? (await scanMeta(db, stored.nextSeqFloor));
    const total = meta.count;
    const partial = `${outFile}.partial`;
    const out = fs.createWriteStream(partial, { encoding: 'utf8' });
    const result: ExportResult = { records: 0, bytes: 0, skippedCorrupt: 0 };
    let reported = -1;
    try {
      for await (const entry of iterateEntries(db, 512)) {
        if (!decodeEntry(entry).ok) {
          result.skippedCorrupt += 1;
          continue;
        }
        const line = `${entry.value.toString('utf8')}\n`;
        result.records += 1;
        result.bytes += entry.value.length;
        if (!out.write(line)) await once(out, 'drain');
        if (onProgress && result.records % PROGRESS_EVERY === 0) {
          onProgress(result.records, Math.max(total, result.records));
          reported = result.records;
        }
      }
      out.end();
      await once(out, 'finish');
    } catch (err) {
      out.destroy();
      fs.rmSync(partial, { force: true });
      throw err;
    }
    fs.renameSync(partial, outFile);
    if (reported !== result.records) onProgress?.(result.records, Math.max(total, result.records));
    return result;
  });
}
