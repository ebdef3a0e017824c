// Catalogue-wide checks over every registered built-in codec: metadata, load-time validation,
// normalisation, and that no byte string on any fPort can make a decoder throw.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BuiltinCodec, DecodeResult, UplinkInput } from '../../../../src/codecs/contract.js';
import {
  CodecCatalogueError,
  builtinCodecs,
  findBuiltinCodec,
  runBuiltinDecode,
  validateCatalogue,
} from '../../../../src/codecs/builtin/index.js';
import { defineCodec } from '../../../../src/codecs/builtin/define-codec.js';
import { seededRandom } from '../../../helpers/seeded-random.js';

const EXPECTED_IDS = [
  'nasys-ul20xx',
  'milesight-ws558',
  'bosch-tps110',
  'nwave-nps405',
  'netvox-r719a',
  'tekzitel-tekzipark',
  'elsys-ers',
  'milesight-am307',
  'milesight-am319',
  'decentlab-dl-pm',
  'decentlab-dl-lp8p',
];

const input = (bytes: number[], fPort: number): UplinkInput => ({ bytes, fPort, recvTime: new Date(0) });

const catalogue = suite('builtin catalogue');

catalogue('exactly the expected codec ids, each found by id', () => {
  assert.equal(builtinCodecs.map((c) => c.id).sort(), [...EXPECTED_IDS].sort());
  for (const id of EXPECTED_IDS) assert.is(findBuiltinCodec(id)?.id, id);
  assert.is(findBuiltinCodec('no-such-codec'), undefined);
});

catalogue('every codec carries the required metadata', () => {
  const categories = { streetlight: 0, parking: 0, air: 0, other: 0 };
  for (const c of builtinCodecs) {
    assert.type(c.vendor, 'string');
    assert.ok(c.vendor.length > 0, `${c.id} vendor`);
    assert.ok(c.model.length > 0, `${c.id} model`);
    assert.ok(c.description.length > 10, `${c.id} description`);
    assert.ok(c.fPorts.length > 0, `${c.id} fPorts`);
    for (const p of c.fPorts) assert.ok(Number.isInteger(p) && p >= 1 && p <= 255, `${c.id} fPort ${p}`);
    assert.type(c.decodeUplink, 'function');
    categories[c.category] += 1;
  }
  assert.equal(categories, { streetlight: 2, parking: 4, air: 5, other: 0 });
  assert.equal(findBuiltinCodec('nasys-ul20xx')!.fPorts, [23, 26, 60, 61, 99]);
});

catalogue('load-time validation rejects duplicates, missing fields and bad fPorts', () => {
  const good = builtinCodecs[0];
  assert.throws(() => validateCatalogue([good, good]), (e: unknown) => e instanceof CodecCatalogueError && /duplicate id/.test(e.message));
  const broken = { ...good, id: 'broken-one', vendor: '', fPorts: [0, 300], category: 'kitchen' } as unknown as BuiltinCodec;
  assert.throws(
    () => validateCatalogue([broken]),
    (e: unknown) =>
      e instanceof CodecCatalogueError &&
      e.message.includes('broken-one: vendor is missing') &&
      e.message.includes('fPort 0 is not 1..255') &&
      e.message.includes('fPort 300 is not 1..255') &&
      e.message.includes('category must be one of'),
  );
  const noDecoder = { ...good, id: 'Bad Id', decodeUplink: undefined } as unknown as BuiltinCodec;
  assert.throws(() => validateCatalogue([noDecoder]), /id must be lower-case.*decodeUplink is not a function/);
  assert.is(validateCatalogue(builtinCodecs).size, builtinCodecs.length);
});

catalogue.run();

const robustness = suite('builtin decoders never throw');

function checkShape(codec: BuiltinCodec, r: DecodeResult, where: string): void {
  assert.ok(Array.isArray(r.errors) && Array.isArray(r.warnings), `${codec.id} ${where}: arrays`);
  for (const s of [...r.errors!, ...r.warnings!]) assert.type(s, 'string');
  if (r.errors!.length === 0) assert.ok(r.data !== undefined && r.data !== null, `${codec.id} ${where}: data without errors`);
}

robustness('random byte strings of length 0..64 on every fPort 0..255 (fixed seed)', () => {
  const rand = seededRandom(0x5eed).next;
  let decodes = 0;
  for (const codec of builtinCodecs) {
    for (let fPort = 0; fPort <= 255; fPort++) {
      const tries = codec.fPorts.includes(fPort) ? 30 : 1;
      for (let len = 0; len <= 64; len++) {
        for (let t = 0; t < tries; t++) {
          const bytes = Array.from({ length: len }, () => Math.floor(rand() * 256));
          let r: DecodeResult;
          try {
            r = codec.decodeUplink(input(bytes, fPort));
          } catch (e) {
            assert.unreachable(`${codec.id} threw on fPort ${fPort} bytes ${Buffer.from(bytes).toString('hex')}: ${String(e)}`);
            return;
          }
          const where = `fPort ${fPort} bytes ${Buffer.from(bytes).toString('hex')}`;
          checkShape(codec, r, where);
          if (!codec.fPorts.includes(fPort)) assert.equal(r.errors!.length, 1, `${codec.id} ${where}: unknown fPort must be an error`);
          // Decoded data must survive JSON unchanged (no NaN, undefined or Infinity leaking out).
          if (r.errors!.length === 0) assert.equal(JSON.parse(JSON.stringify(r.data)), r.data, `${codec.id} ${where}: JSON round trip`);
          decodes += 1;
        }
      }
    }
  }
  assert.ok(decodes > 100_000);
});

robustness('invalid input objects give errors, not exceptions', () => {
  for (const codec of builtinCodecs) {
    const port = codec.fPorts[0];
    const cases: unknown[] = [
      { bytes: 'abc', fPort: port },
      { bytes: [1, 256], fPort: port },
      { bytes: [1, -1], fPort: port },
      { bytes: [1.5], fPort: port },
      { bytes: [1], fPort: '1' },
      { bytes: [1], fPort: 1.5 },
      {},
    ];
    for (const c of cases) {
      const r = codec.decodeUplink(c as UplinkInput);
      assert.is(r.errors!.length, 1, `${codec.id} ${JSON.stringify(c)}`);
      assert.is(r.data, undefined);
    }
  }
  assert.equal(findBuiltinCodec('elsys-ers')!.decodeUplink({ bytes: [1, 300], fPort: 1 } as UplinkInput).errors, ['input.bytes[1] is not an integer 0..255']);
});

robustness('the wrapper turns a decoder or encoder bug into an error entry', () => {
  const buggy = defineCodec({
    id: 'buggy',
    vendor: 'Test',
    model: 'Bug',
    category: 'other',
    deviceClass: 'A',
    fPorts: [1],
    description: 'A codec whose decoder and encoder both crash.',
    decode: (b) => ({ first: (b as unknown as { x: { y: number } }).x.y }),
    encodeDownlink: () => {
      throw new RangeError('encoder exploded');
    },
  });
  const r = buggy.decodeUplink(input([1, 2], 1));
  assert.is(r.data, undefined);
  assert.is(r.errors!.length, 1);
  assert.ok(r.errors![0].startsWith('decoder failure in buggy: '), r.errors![0]);
  assert.equal(buggy.encodeDownlink!({ data: {} }), { errors: ['encoder failure in buggy: encoder exploded'], warnings: [] });
});

robustness.run();

const run = suite('runBuiltinDecode');

run('success keeps data; errors null the data; always three keys', () => {
  const ws558 = findBuiltinCodec('milesight-ws558')!;
  assert.equal(runBuiltinDecode(ws558, input([0x05, 0x81, 50], 85)), { data: { power_factor: 50 }, warnings: [], errors: [] });
  assert.equal(runBuiltinDecode(ws558, input([0x05, 0x81], 85)), {
    data: null,
    warnings: [],
    errors: ['frame ends inside channel 05 81 at offset 0 (needs 3 bytes, 2 left); it was not decoded'],
  });
  // A codec that returned partial data together with an error (a sensor entry running past its
  // block): data is dropped.
  const nas = findBuiltinCodec('nasys-ul20xx')!;
  const out = runBuiltinDecode(nas, input([0x01, 0x00, 0x00, 0x00, 0x60, 0, 0, 0, 0, 0, 0, 1, 0x02, 0, 0], 23));
  assert.equal(out, { data: null, warnings: [], errors: ['error_decoding_sensor_source: an entry runs past the declared block length'] });
});

run('misbehaving codecs are contained', () => {
  const base = builtinCodecs[0];
  const thrower = { ...base, id: 'thrower', decodeUplink: () => { throw new Error('boom'); } } as BuiltinCodec;
  assert.equal(runBuiltinDecode(thrower, input([], 1)), { data: null, warnings: [], errors: ['codec thrower threw: boom'] });
  const empty = { ...base, id: 'empty', decodeUplink: () => ({ warnings: ['w'] }) } as BuiltinCodec;
  assert.equal(runBuiltinDecode(empty, input([], 1)), { data: null, warnings: ['w'], errors: ['codec empty returned no data object'] });
  const junk = { ...base, id: 'junk', decodeUplink: () => 42 } as unknown as BuiltinCodec;
  assert.equal(runBuiltinDecode(junk, input([], 1)), { data: null, warnings: [], errors: ['codec junk returned no result object'] });
  const odd = { ...base, id: 'odd', decodeUplink: () => ({ data: { a: 1 }, warnings: [7], errors: 'x' }) } as unknown as BuiltinCodec;
  assert.equal(runBuiltinDecode(odd, input([], 1)), { data: { a: 1 }, warnings: ['7'], errors: [] });
});

run.run();
