import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRecovering, StoreUnavailableError } from '../../src/store-recovery.js';
import { captureLog } from '../fixtures/outbox/records.js';

// What LevelDB says when the file system refuses: strerror texts after the path.
const REFUSALS = [
  'IO error: /var/lib/lora-edge/outbox/LOCK: Permission denied',
  'IO error: /var/lib/lora-edge/outbox/000012.log: Operation not permitted',
  'IO error: /var/lib/lora-edge/outbox/MANIFEST-000009: No space left on device',
  'IO error: /var/lib/lora-edge/outbox/000013.ldb: Disk quota exceeded',
  'IO error: /var/lib/lora-edge/outbox/LOCK: Read-only file system',
];

/** openRecovering on `dir` with an opener whose n-th call (from 1) does `attempt(n)`; counts the calls. */
function recovering(dir: string, attempt: (n: number) => string) {
  const { logger, lines } = captureLog();
  const calls = { opens: 0 };
  const result = openRecovering({
    dir,
    store: 'outbox',
    isLocked: () => false,
    logger,
    open: async () => attempt(++calls.opens),
  });
  return { result, lines, calls };
}

test('a store the file system refuses is neither repaired nor moved aside, and the error says why', async () => {
  for (const refusal of REFUSALS) {
    const parent = mkdtempSync(join(tmpdir(), 'lora-edge-refused-'));
    try {
      const dir = join(parent, 'outbox');
      writeFileSync(join(parent, 'marker'), '');
      const { result, lines, calls } = recovering(dir, () => {
        throw new Error(`cannot open outbox ${dir}: ${refusal}`);
      });
      const error = await result.then(() => null, (err: unknown) => err);
      assert.ok(error instanceof StoreUnavailableError, refusal);
      assert.ok((error as Error).message.includes(refusal), 'the cause is named');
      assert.is(calls.opens, 1, `${refusal}: no second open after a repair or a move`);
      assert.equal(readdirSync(parent), ['marker'], 'nothing moved aside or created');
      assert.is(lines.filter((l) => l.level === 'error').length, 1, 'one error line, no repair attempt logged');
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }
});

test('a store that fails for another reason still goes through repair', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'lora-edge-refused-'));
  try {
    const dir = join(parent, 'outbox');
    const { result, lines } = recovering(dir, (n) => {
      if (n === 1) throw new Error('Corruption: bad block contents');
      return 'opened';
    });
    const { value, recovery } = await result;
    assert.is(value, 'opened');
    assert.is(recovery?.action, 'repaired');
    assert.ok(lines.some((l) => /trying LevelDB's repair/.test(l.msg)));
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test.run();
