// The backlog scanner against its reference, decodeRecord (JSON.parse): the same verdict and the
// same fields for every value, on grammar vectors from RFC 8259 and on seeded random records with
// unicode, escapes, nesting and odd numbers, each also damaged at random (flipped, cut, inserted or
// removed bytes). What matters most: the scanner never accepts a value JSON.parse refuses (it would
// be spliced into a batch and spoil it), and never refuses one that decodeRecord accepts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scanRecord } from '../../../src/outbox/record-scan.js';
import { decodeRecord, encodeRecord } from '../../../src/outbox/record-encoding.js';
import { clockFieldsOf } from '../../../src/outbox/stored-record.js';
import { sampleRecord } from '../../fixtures/outbox/records.js';
import { seededRandom, type SeededRandom } from '../../helpers/seeded-random.js';
import { randomSeed } from '../../helpers/faults/prng.js';

const seed = Number(process.env.LORA_EDGE_SEED ?? randomSeed());
console.log(`record-scan seed ${seed} (LORA_EDGE_SEED=${seed} replays it)`);

/** scanRecord must agree with decodeRecord on the verdict, and on the fields when accepted. */
function agrees(seq: number | null, value: Buffer, label: string): boolean {
  const scanned = scanRecord(seq, value);
  const reference = decodeRecord(seq, value);
  assert.is(scanned.ok, reference.ok, `${label}: verdict for ${JSON.stringify(value.toString('latin1').slice(0, 300))}`);
  if (scanned.ok && reference.ok) {
    assert.is(scanned.capturedAt, reference.record.capturedAt, `${label}: capturedAt`);
    assert.equal(scanned.clock, clockFieldsOf(reference.record), `${label}: clock fields`);
  }
  return reference.ok;
}

const withSeq = (seq: number, body: string) => Buffer.from(`{"seq":${seq},${body}}`);
const AT = '"capturedAt":"2026-12-06T10:00:00.000Z"';

test('grammar vectors: what RFC 8259 allows is accepted, what it forbids is refused', () => {
  const valid = [
    `${AT}`,
    `${AT},"a":[]`,
    `${AT},"a":{}`,
    `${AT},"a":[1,-0,0.5,-1.25e+3,2E-7,1e9,123456789012345678901234567890]`,
    `${AT},"a":"\\u00e9\\n\\t\\"\\\\\\/\\b\\f\\r"`,
    `${AT},"a":"é 漢字 😀"`,
    `${AT} , "a" : [ true , false , null ] `,
    `${AT},"a":{"b":{"c":[[],[{}]]}}`,
    `\t\n\r ${AT}`,
  ];
  for (const body of valid) assert.ok(agrees(7, withSeq(7, body), 'valid'), body);
  const invalid = [
    `${AT},`,
    `${AT},"a":01`,
    `${AT},"a":1.`,
    `${AT},"a":.5`,
    `${AT},"a":1e`,
    `${AT},"a":+1`,
    `${AT},"a":-`,
    `${AT},"a":tru`,
    `${AT},"a":nul`,
    `${AT},"a":NaN`,
    `${AT},"a":"\\x41"`,
    `${AT},"a":"\\u12G4"`,
    `${AT},"a":"tab\there"`,
    `${AT},"a":[1,]`,
    `${AT},"a":{"b":1,}`,
    `${AT},"a":{"b"}`,
    `${AT},"a":{b:1}`,
    `${AT},"a":'x'`,
    `${AT},"a":[1 2]`,
    `${AT},"a":"unterminated`,
    `${AT},"a":[`,
  ];
  for (const body of invalid) assert.not.ok(agrees(7, withSeq(7, body), 'invalid'), body);
  // Around the object: trailing text, two objects, an array, a BOM.
  for (const raw of [`{"seq":7,${AT}}x`, `{"seq":7,${AT}}{}`, `[{"seq":7,${AT}}]`, `\ufeff{"seq":7,${AT}}`, '', ' ', 'null']) {
    assert.not.ok(agrees(7, Buffer.from(raw), 'outside'), raw);
  }
  // Trailing whitespace is allowed by JSON (the batch re-encodes such a record, batch-fit.ts).
  assert.ok(agrees(7, Buffer.from(`{"seq":7,${AT}}  \n`), 'trailing space'));
});

test('the fields: seq must match the key, capturedAt must be a time, clock fields as decodeRecord gives them', () => {
  assert.not.ok(agrees(8, withSeq(7, AT), 'other seq'));
  assert.ok(agrees(7, Buffer.from(`{"seq":7.0,${AT}}`), 'seq written 7.0'));
  assert.not.ok(agrees(7, Buffer.from(`{"seq":"7",${AT}}`), 'seq as text'));
  assert.not.ok(agrees(7, Buffer.from(`{${AT}}`), 'no seq'));
  assert.not.ok(agrees(null, withSeq(7, AT), 'no key seq'));
  assert.not.ok(agrees(7, withSeq(7, '"capturedAt":"yesterday"'), 'not a time'));
  assert.not.ok(agrees(7, withSeq(7, '"capturedAt":1765015200000'), 'a number'));
  assert.not.ok(agrees(7, withSeq(7, '"other":1'), 'no capturedAt'));
  // The last of duplicate keys wins, as in JSON.parse.
  assert.ok(agrees(7, Buffer.from(`{"seq":6,"seq":7,${AT}}`), 'duplicate seq'));
  assert.not.ok(agrees(7, Buffer.from(`{"seq":7,"seq":6,${AT}}`), 'duplicate seq, last wrong'));
  assert.ok(agrees(7, withSeq(7, `"capturedAt":"bad",${AT}`), 'duplicate capturedAt'));
  // An escaped key can spell a wanted one: decodeRecord decides.
  assert.ok(agrees(7, Buffer.from(`{"seq":7,"\\u0063apturedAt":"2026-12-06T10:00:00.000Z"}`), 'escaped key'));
  assert.not.ok(agrees(7, Buffer.from(`{"seq":7,${AT},"\\u0073eq":8}`), 'escaped seq key'));
  // Clock fields: absent (an old record), null, or set; an escaped capturedAt value.
  assert.ok(agrees(7, withSeq(7, AT), 'no clock fields'));
  assert.ok(agrees(7, withSeq(7, `${AT},"clockSynced":null,"bootId":null,"monoMs":null`), 'clock null'));
  assert.ok(agrees(7, withSeq(7, `${AT},"clockSynced":true,"bootId":"b0\\u00e9","monoMs":12.5`), 'clock set'));
  assert.ok(agrees(7, withSeq(7, `${AT},"clockSynced":false`), 'clock partly set'));
  assert.ok(agrees(7, withSeq(7, `"capturedAt":"2026-12-06T10:00:00.000\\u005a"`), 'escaped capturedAt'));
  // Deep nesting goes to JSON.parse, whatever the depth.
  const deep = (n: number) => `${AT},"a":${'['.repeat(n)}${']'.repeat(n)}`;
  for (const n of [63, 64, 65, 500]) assert.ok(agrees(7, withSeq(7, deep(n)), `depth ${n}`));
  assert.not.ok(agrees(7, withSeq(7, `${AT},"a":${'['.repeat(200)}${']'.repeat(199)}`), 'deep and unbalanced'));
});

// ---- seeded random records ----

const TEXT_PIECES = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\t', '\u0001', '\u001f', 'é', '漢', '😀', '\u2028', '\ud800', '{', '}', '[', ']', ',', ':'];

function randomText(r: SeededRandom): string {
  let s = '';
  for (let i = r.int(0, 12); i > 0; i -= 1) s += r.pick(TEXT_PIECES);
  return s;
}

function randomNumber(r: SeededRandom): number {
  return r.pick([0, -0, 1, -1, 0.1, 1e21, 1e-7, -123.456, 2 ** 53, Number.MIN_VALUE, r.next() * 1e6, r.int(-1e9, 1e9)]);
}

function randomJson(r: SeededRandom, depth: number): unknown {
  const kind = depth > 4 ? r.int(0, 3) : r.int(0, 5);
  switch (kind) {
    case 0:
      return randomText(r);
    case 1:
      return randomNumber(r);
    case 2:
      return r.pick([true, false, null]);
    case 3:
      return r.chance(0.5) ? '' : randomText(r);
    case 4:
      return Array.from({ length: r.int(0, 4) }, () => randomJson(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: r.int(0, 4) }, () => [randomText(r), randomJson(r, depth + 1)]));
  }
}

/** A stored value as the outbox writes it: a plausible record with random decoded data and clock fields. */
function randomStoredValue(r: SeededRandom, seq: number): Buffer {
  const base = sampleRecord(seq, new Date(Date.UTC(2026, 0, 1) + r.int(0, 1e10)).toISOString(), r.int(0, 40));
  const record = {
    ...base,
    ...(r.chance(0.8) ? { clockSynced: r.pick([true, false, null]), bootId: r.pick([null, 'a1b2c3', randomText(r)]), monoMs: r.pick([null, r.int(0, 1e9), 0.5]) } : {}),
    decoded: r.chance(0.7) ? { codec: randomText(r), data: randomJson(r, 0), warnings: [randomText(r)], errors: [] } : null,
  };
  return encodeRecord(seq, record as Parameters<typeof encodeRecord>[1]);
}

/** One random damage: a flipped bit or byte, bytes cut from the end, a byte inserted or removed. */
function damage(r: SeededRandom, value: Buffer): Buffer {
  const at = r.int(0, Math.max(0, value.length - 1));
  switch (r.int(0, 4)) {
    case 0: {
      const out = Buffer.from(value);
      out[at] ^= 1 << r.int(0, 7);
      return out;
    }
    case 1: {
      const out = Buffer.from(value);
      out[at] = r.pick([0x22, 0x5c, 0x2c, 0x3a, 0x7b, 0x7d, 0x5b, 0x5d, 0x20, 0x00, 0x80, 0xff, r.int(0, 255)]);
      return out;
    }
    case 2:
      return value.subarray(0, at);
    case 3:
      return Buffer.concat([value.subarray(0, at), Buffer.from([r.pick([0x22, 0x5c, 0x2c, 0x7d, 0x5d, 0x30, 0x65, 0x2e, r.int(0, 255)])]), value.subarray(at)]);
    default:
      return Buffer.concat([value.subarray(0, at), value.subarray(at + 1)]);
  }
}

test('seeded random records, intact and damaged: the scanner agrees with decodeRecord on every one', () => {
  const r = seededRandom(seed);
  let accepted = 0;
  let refused = 0;
  for (let n = 0; n < 3000; n += 1) {
    const seq = r.int(1, 2 ** 40);
    const value = randomStoredValue(r, seq);
    assert.ok(agrees(seq, value, `seed ${seed} record ${n} intact`));
    for (let d = 0; d < 4; d += 1) {
      let damaged = damage(r, value);
      if (r.chance(0.3)) damaged = damage(r, damaged);
      if (agrees(seq, damaged, `seed ${seed} record ${n} damage ${d}`)) accepted += 1;
      else refused += 1;
    }
  }
  // Both sides of the verdict were exercised (a damaged value inside a string stays valid JSON).
  assert.ok(accepted > 500 && refused > 5000, `accepted ${accepted}, refused ${refused}`);
});

test.run();
