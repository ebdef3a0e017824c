// SIGKILL crash test: everything reported as flushed must survive, without gaps, and seqs
// must continue after the highest stored one. Also checks the lock held by a live process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { Outbox, OutboxLockedError, outboxStatsReport } from '../../src/outbox/index.js';
import { removeDir, sampleRecord, tempDir } from '../fixtures/outbox/records.js';

const here = fileURLToPath(import.meta.url);
const ext = path.extname(here); // '.ts' under tsx, '.js' when compiled
const fixture = path.join(path.dirname(here), '..', 'fixtures', 'outbox', `append-child${ext}`);
const nodeArgs = ext === '.ts' ? ['--import', 'tsx', fixture] : [fixture];

interface ChildRun {
  lastFlushed: number;
  lockErrorWhileRunning: unknown;
  reportErrorWhileRunning: unknown;
}

/** Runs the appending child until it reported `minFlushed` more seqs, then SIGKILLs it. */
function runAndKill(dir: string, minFlushed: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const result: ChildRun = { lastFlushed: 0, lockErrorWhileRunning: null, reportErrorWhileRunning: null };
    let firstFlushed = 0;
    let killed = false;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not reach ${minFlushed} flushed records in time; stderr: ${stderr}`));
    }, 30_000);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line === 'ready') {
        // The "daemon" is running: both a second outbox and the operator tool must be refused.
        Outbox.open({ dir }).then(
          (ob) => ob.close(),
          (e: unknown) => (result.lockErrorWhileRunning = e),
        );
        outboxStatsReport(dir).then(
          () => undefined,
          (e: unknown) => (result.reportErrorWhileRunning = e),
        );
        return;
      }
      const m = /^flushed (\d+)$/.exec(line);
      if (!m) return;
      const seq = Number(m[1]);
      if (firstFlushed === 0) firstFlushed = seq;
      result.lastFlushed = seq;
      if (!killed && seq - firstFlushed >= minFlushed) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`child exited on its own (code ${code}); stderr: ${stderr}`));
      // Lines already buffered in the pipe may still arrive; 'close' waits for them.
    });
    child.on('close', () => resolve(result));
  });
}

async function storedSeqs(dir: string): Promise<{ seqs: number[]; bytes: number; depth: number; outbox: Outbox }> {
  const outbox = await Outbox.open({ dir });
  const seqs: number[] = [];
  let bytes = 0;
  for await (const rec of outbox.entries()) {
    seqs.push(rec.seq);
    bytes += Buffer.byteLength(JSON.stringify(rec));
  }
  return { seqs, bytes, depth: outbox.stats().depth, outbox };
}

test('SIGKILL loses no flushed record, leaves no gap, and seqs continue after restart', async () => {
  const dir = tempDir();
  try {
    // Seqs handed out but still pending at the kill are lost with the process; the persisted
    // high-water mark skips them, so each run's records are contiguous and start above the last.
    let previous: number[] = [];
    let lastHandedOut = 0;
    for (let round = 1; round <= 2; round++) {
      const run = await runAndKill(dir, 2000);
      assert.instance(run.lockErrorWhileRunning, OutboxLockedError, 'second open while the daemon runs');
      assert.instance(run.reportErrorWhileRunning, OutboxLockedError, 'stats tool while the daemon runs');

      const { seqs, bytes, depth, outbox } = await storedSeqs(dir);
      try {
        assert.equal(seqs.slice(0, previous.length), previous, `round ${round}: earlier records intact`);
        const fresh = seqs.slice(previous.length);
        assert.ok(fresh.length > 0);
        assert.ok(fresh[0]! > lastHandedOut, `round ${round}: run starts above seq ${lastHandedOut}`);
        if (round === 1) assert.is(fresh[0], 1);
        for (let i = 1; i < fresh.length; i++) {
          if (fresh[i] !== fresh[i - 1]! + 1) assert.unreachable(`round ${round}: gap after seq ${fresh[i - 1]}: ${fresh[i]}`);
        }
        const max = fresh[fresh.length - 1]!;
        assert.ok(max >= run.lastFlushed, `round ${round}: flushed up to ${run.lastFlushed}, stored up to ${max}`);
        const s = outbox.stats();
        assert.is(depth, seqs.length, 'meta count matches the data');
        assert.is(s.bytes, bytes, 'meta bytes match the data');
        assert.is(s.lastSeq, max);
        const next = outbox.append(sampleRecord(0));
        assert.ok(next > max, `new seq ${next} continues after ${max}`);
        await outbox.flush();
        await outbox.ack([next]); // only the child's records stay, for the next round's checks
        previous = seqs;
        lastHandedOut = next;
      } finally {
        await outbox.close();
      }
    }
  } finally {
    removeDir(dir);
  }
});

test.run();
