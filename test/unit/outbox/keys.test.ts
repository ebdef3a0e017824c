import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HEAD_META_KEY, RECORD_KEY_END, RECORD_KEY_MIN, TAIL_META_KEY, recordKey, seqFromRecordKey, writeRecordKey } from '../../../src/outbox/keys.js';
import { RunPut, SeqsDelete, keyOpsOf } from '../../../src/outbox/batch-ops.js';
import { RecordColumns } from '../../../src/outbox/record-columns.js';
import { RecordRun } from '../../../src/outbox/record-run.js';
import { decodeRecord, encodeRecord } from '../../../src/outbox/record-encoding.js';
import { OutboxArgumentError } from '../../../src/outbox/errors.js';
import { sampleRecord } from '../../fixtures/outbox/records.js';
import { seededRandom } from '../../helpers/seeded-random.js';

test('record key is prefix byte + 8-byte big-endian seq', () => {
  assert.is(recordKey(1).toString('hex'), '720000000000000001');
  assert.is(recordKey(0x0102030405).toString('hex'), '720000000102030405');
  assert.is(recordKey(Number.MAX_SAFE_INTEGER).toString('hex'), '72001fffffffffffff');
});

test('record keys sort in seq order, across byte and 32-bit boundaries', () => {
  const seqs = [0, 1, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
  for (let i = 1; i < seqs.length; i++) {
    assert.is(Buffer.compare(recordKey(seqs[i - 1]!), recordKey(seqs[i]!)), -1, `${seqs[i - 1]} < ${seqs[i]}`);
  }
  assert.is(Buffer.compare(RECORD_KEY_MIN, recordKey(1)), -1);
  assert.is(Buffer.compare(recordKey(Number.MAX_SAFE_INTEGER), RECORD_KEY_END), -1);
});

test('the meta keys lie on either side of the record range', () => {
  assert.is(Buffer.compare(HEAD_META_KEY, RECORD_KEY_MIN), -1, 'below every record key');
  assert.ok(Buffer.compare(TAIL_META_KEY, RECORD_KEY_END) >= 0, 'above every record key');
  assert.is(Buffer.compare(TAIL_META_KEY, recordKey(Number.MAX_SAFE_INTEGER)), 1);
});

test('seqFromRecordKey inverts recordKey and rejects foreign keys', () => {
  for (const seq of [0, 1, 300, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) assert.is(seqFromRecordKey(recordKey(seq)), seq);
  assert.is(seqFromRecordKey(HEAD_META_KEY), null);
  assert.is(seqFromRecordKey(TAIL_META_KEY), null);
  assert.is(seqFromRecordKey(Buffer.from('720001', 'hex')), null);
  assert.is(seqFromRecordKey(Buffer.from('730000000000000001', 'hex')), null);
  assert.is(seqFromRecordKey(Buffer.from('72ffffffffffffffff', 'hex')), null, 'beyond 2^53');
});

test('a key buffer rewritten in place and the operations on many records give the record keys (seeded seqs)', () => {
  const random = seededRandom(Number(process.env.LORA_EDGE_KEYS_SEED ?? Date.now() % 2 ** 31));
  const key = recordKey(0);
  const seqs: number[] = [];
  for (let i = 0; i < 500; i++) {
    const seq = random.chance(0.1) ? random.pick([0, 1, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) : random.int(0, 2 ** 40);
    writeRecordKey(key, seq);
    assert.ok(key.equals(recordKey(seq)), `seed ${random.seed}: seq ${seq}`);
    seqs.push(seq);
  }
  seqs.sort((a, b) => a - b);
  // A run of those records (rows 3.. of the columns) put, and the same seqs deleted.
  const columns = new RecordColumns(seqs.length, seqs.length * 16, seqs.length * 24);
  for (const seq of seqs) {
    const value = Buffer.from(`v${seq}`);
    value.copy(columns.reserve(value.length));
    columns.commit(seq, value.length, sampleRecord(1));
  }
  const ops = keyOpsOf([new RunPut(new RecordRun(columns, 3, seqs.length)), new SeqsDelete(seqs), { type: 'del', key: HEAD_META_KEY }]);
  const puts = ops.slice(0, seqs.length - 3);
  const dels = ops.slice(seqs.length - 3, -1);
  assert.equal(puts.map((op) => [op.type, seqFromRecordKey(op.key), op.type === 'put' ? op.value.toString() : null]), seqs.slice(3).map((seq) => ['put', seq, `v${seq}`]), `seed ${random.seed}`);
  assert.equal(dels.map((op) => [op.type, seqFromRecordKey(op.key)]), seqs.map((seq) => ['del', seq]), `seed ${random.seed}`);
  assert.ok(ops[ops.length - 1]!.key.equals(HEAD_META_KEY), 'single-key operations pass through');
});

test('recordKey rejects negative, fractional and unsafe seqs', () => {
  assert.throws(() => recordKey(-1), /non-negative safe integer/);
  assert.throws(() => recordKey(1.5), /non-negative safe integer/);
  assert.throws(() => recordKey(2 ** 53), /non-negative safe integer/);
});

test('encodeRecord writes seq first and lets the assigned seq win', () => {
  const rec = sampleRecord(1, '2026-01-01T00:00:00.000Z');
  const value = encodeRecord(9, { ...rec, seq: 3 } as typeof rec);
  const text = value.toString('utf8');
  assert.ok(text.startsWith('{"seq":9,"capturedAt":"2026-01-01T00:00:00.000Z"'), text.slice(0, 60));
  assert.is(JSON.parse(text).seq, 9);
});

test('encodeRecord: the spliced encoding is the JSON of the record with seq first, field order kept', () => {
  const rec = { ...sampleRecord(1, '2026-01-01T00:00:00.000Z'), note: 'a "quoted" \u2028 text 😀', nested: { seq: 4, list: [1, null] } };
  const text = encodeRecord(12, rec).toString('utf8');
  assert.is(text, JSON.stringify(Object.assign({ seq: 12 }, rec)));
});

test('encodeRecord: random texts (1- to 4-byte UTF-8, lone surrogates, escapes) encode as JSON.stringify does', () => {
  const seed = Number(process.env.LORA_EDGE_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const rnd = seededRandom(seed);
  const alphabet = ['a', 'Z', '0', '"', '\\', '\n', '\u0001', 'é', 'ß', '€', '\u2028', '😀', '\ud800', '\udfff', ' '];
  for (let i = 0; i < 300; i++) {
    const text = Array.from({ length: rnd.int(0, 40) }, () => rnd.pick(alphabet)).join('');
    const rec = { ...sampleRecord(1, '2026-01-01T00:00:00.000Z'), note: text };
    const seq = rnd.int(0, Number.MAX_SAFE_INTEGER);
    const value = encodeRecord(seq, rec);
    assert.ok(value.equals(Buffer.from(JSON.stringify(Object.assign({ seq }, rec)), 'utf8')), `seed ${seed} (LORA_EDGE_SEED replays it), case ${i}: ${JSON.stringify(text)}`);
  }
});

test('encodeRecord rejects non-records with a readable reason', () => {
  assert.throws(() => encodeRecord(1, null as never), (e: unknown) => e instanceof OutboxArgumentError && /must be an object/.test((e as Error).message));
  assert.throws(() => encodeRecord(1, { ...sampleRecord(1), capturedAt: 'yesterday' }), /capturedAt must be an ISO 8601/);
  const cyclic = sampleRecord(1) as ReturnType<typeof sampleRecord> & { self?: unknown };
  cyclic.self = cyclic;
  assert.throws(() => encodeRecord(1, cyclic), /not serialisable as JSON/);
});

test('decodeRecord accepts its own encoding and names what is wrong otherwise', () => {
  const rec = sampleRecord(5);
  const ok = decodeRecord(5, encodeRecord(5, rec));
  assert.ok(ok.ok);
  if (ok.ok) assert.equal(ok.record, { seq: 5, ...rec });
  const cases: Array<[number | null, string, RegExp]> = [
    [5, 'garbage{', /not JSON/],
    [5, '[1,2]', /not a JSON object/],
    [5, 'null', /not a JSON object/],
    [5, '{"seq":6,"capturedAt":"2026-01-01T00:00:00Z"}', /seq mismatch: key says 5, value says 6/],
    [5, '{"seq":5}', /capturedAt/],
    [null, '{"seq":5,"capturedAt":"2026-01-01T00:00:00Z"}', /malformed record key/],
  ];
  for (const [seq, text, reason] of cases) {
    const r = decodeRecord(seq, Buffer.from(text));
    assert.is(r.ok, false, text);
    if (!r.ok) assert.match(r.reason, reason);
  }
});

test.run();
