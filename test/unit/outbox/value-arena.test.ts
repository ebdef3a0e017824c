// The record value arena: values never overlap, fill their chunk in order, and large ones get a
// buffer of their own (so one value cannot pin a mostly empty chunk).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ValueArena } from '../../../src/outbox/value-arena.js';
import { encodeRecord, decodeRecord } from '../../../src/outbox/record-encoding.js';
import { sampleRecord } from '../../fixtures/outbox/records.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { randomSeed } from '../../helpers/faults/prng.js';

const seed = Number(process.env.LORA_EDGE_SEED ?? randomSeed());
console.log(`value-arena seed ${seed} (LORA_EDGE_SEED=${seed} replays it)`);

test('values of random sizes never share a byte, and each keeps what was written into it', () => {
  const r = seededRandom(seed);
  const arena = new ValueArena();
  const taken: Array<{ buf: Buffer; fill: number }> = [];
  for (let i = 0; i < 5000; i += 1) {
    const bytes = r.chance(0.02) ? r.int(8192, 70_000) : r.int(0, 3000);
    const buf = arena.take(bytes);
    assert.is(buf.length, bytes);
    const fill = i & 0xff;
    buf.fill(fill);
    taken.push({ buf, fill });
  }
  for (const { buf, fill } of taken) assert.ok(buf.every((b) => b === fill), `seed ${seed}: a value was overwritten`);
});

test('small values share a chunk in order; a large one has its own buffer', () => {
  const arena = new ValueArena();
  const a = arena.take(900);
  const b = arena.take(900);
  assert.is(a.buffer, b.buffer);
  assert.is(b.byteOffset, a.byteOffset + 900);
  const big = arena.take(8192);
  assert.is.not(big.buffer, a.buffer);
  assert.is(big.byteOffset, 0);
  assert.is(big.buffer.byteLength, 8192);
  // A chunk that cannot take the next value is left for a new one.
  let last = arena.take(1);
  while (last.buffer === a.buffer) last = arena.take(4000);
  assert.is(last.byteOffset, 0);
});

test('records encoded into the arena decode as before', () => {
  const arena = new ValueArena();
  for (let seq = 1; seq <= 200; seq += 1) {
    const value = encodeRecord(seq, sampleRecord(seq, undefined, seq * 7), (n) => arena.take(n));
    const plain = encodeRecord(seq, sampleRecord(seq, undefined, seq * 7));
    assert.ok(value.equals(plain));
    const decoded = decodeRecord(seq, value);
    assert.ok(decoded.ok && decoded.record.seq === seq);
  }
});

test.run();
