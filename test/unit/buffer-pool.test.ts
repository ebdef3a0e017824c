// The buffer pool never hands one buffer to two users: seeded takes and gives (some given twice,
// some from elsewhere) against the set of buffers outstanding.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BufferPool } from '../../src/buffer-pool.js';
import { seededRandom, seedFromEnv } from '../helpers/seeded-random.js';

test('seeded: an outstanding buffer is never handed out again, and what it holds stays put', () => {
  const random = seededRandom(seedFromEnv('LORA_EDGE_BUFFER_POOL_SEED', 'buffer pool'));
  const where = `seed ${random.seed}`;
  const pool = new BufferPool(1024, 3);
  const outstanding: Array<{ buf: Buffer; fill: number }> = [];
  const given: Buffer[] = [];
  let reused = 0;
  const seen = new WeakSet<ArrayBufferLike>();
  for (let step = 0; step < 20_000; step++) {
    const action = random.next();
    if (action < 0.5) {
      const bytes = random.chance(0.2) ? random.int(0, 1023) : random.int(1024, 70_000);
      const buf = pool.take(bytes);
      assert.is(buf.length, bytes, where);
      if (bytes >= 1024 && seen.has(buf.buffer)) reused += 1;
      seen.add(buf.buffer);
      for (const o of outstanding) assert.ok(bytes < 1024 || o.buf.buffer !== buf.buffer, `${where}, step ${step}: a buffer handed out twice`);
      const fill = random.int(0, 255);
      buf.fill(fill);
      outstanding.push({ buf, fill });
    } else if (action < 0.9 && outstanding.length > 0) {
      const [{ buf, fill }] = outstanding.splice(random.int(0, outstanding.length - 1), 1);
      assert.ok(buf.every((b) => b === fill), `${where}, step ${step}: bytes changed while held`);
      pool.give(buf);
      given.push(buf);
    } else if (action < 0.95 && given.length > 0) {
      // Given back twice (a bug elsewhere): ignored while idle, and harmful only if honoured.
      pool.give(random.pick(given));
    } else {
      pool.give(Buffer.allocUnsafeSlow(random.pick([1024, 2048, 65_536])));
    }
    assert.ok(pool.idleBytes <= 3 * 131_072 * 8, `${where}: idle bytes bounded`);
  }
  assert.ok(reused > 100, `${where}: buffers were reused (${reused})`);
});

test('sizes round up to a power of two; small requests are ordinary buffers', () => {
  const pool = new BufferPool(4096, 2);
  assert.is(pool.take(5000).buffer.byteLength, 8192);
  assert.is(pool.take(8192).buffer.byteLength, 8192);
  const small = pool.take(100);
  pool.give(small);
  assert.is(pool.idleBytes, 0, 'an ordinary buffer is not kept');
  const a = pool.take(5000);
  const b = pool.take(5000);
  const c = pool.take(5000);
  for (const buf of [a, b, c]) pool.give(buf);
  assert.is(pool.idleBytes, 2 * 8192, 'no more than keepPerSize of one size');
  const again = pool.take(6000);
  assert.ok(again.buffer === a.buffer || again.buffer === b.buffer, 'reused');
});

test.run();
