// Vendor codec forms as published, run unchanged: ChirpStack v3 `Decode` returning nothing, TTN v2
// `Decoder`/`Converter`/`Validator`/`Encoder`, and a TS013 result with errors beside data. Fixtures
// in test/fixtures/codecs/ describe their own payloads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadUserCodec, loadUserCodecFromSource, type UserCodec } from '../../../../src/codecs/sandbox/index.js';
import { InlineEngine } from '../../../../src/codecs/sandbox/inline-engine.js';
import { codecFixture } from '../../../fixtures/codecs/paths.js';

const RECV = new Date('2024-05-01T10:00:00.000Z');
const up = (fPort: number, bytes: number[] = [0x00, 0xd7]) => ({ bytes, fPort, recvTime: RECV });

// ChirpStack v3 -----------------------------------------------------------------------------------
const v3 = suite<{ codec: UserCodec }>('ChirpStack v3 Decode returning nothing');
v3.before(async (ctx) => {
  ctx.codec = await loadUserCodec(codecFixture('v3-status-undefined.js'), { quarantineAfter: 3 });
});
v3.after((ctx) => ctx.codec.dispose());

v3('undefined and null are data null with no error, as ChirpStack v3 stores them', ({ codec }) => {
  assert.is(codec.form, 'chirpstack-v3');
  assert.equal(codec.decodeUplink(up(2)), { data: null, warnings: [], errors: [] });
  assert.equal(codec.decodeUplink(up(3)), { data: null, warnings: [], errors: [] });
  assert.equal(codec.decodeUplink(up(1)), { data: { temperature: 21.5 }, warnings: [], errors: [] });
});

v3('many in a row never quarantine the codec and are not failures', ({ codec }) => {
  for (let i = 0; i < 50; i++) codec.decodeUplink(up(i % 2 === 0 ? 2 : 77));
  assert.is(codec.quarantined, false);
  assert.is(codec.failures, 0);
  assert.is(codec.consecutiveFailures, 0);
  assert.equal(codec.decodeUplink(up(1)).data, { temperature: 21.5 });
});

v3('a real failure between them still counts (quarantine still works)', async () => {
  const codec = await loadUserCodecFromSource('function Decode(p, b) { if (p === 2) return undefined; return b.x.y; }', 'v3-mixed', {
    quarantineAfter: 2,
  });
  try {
    codec.decodeUplink(up(1));
    codec.decodeUplink(up(2)); // a success: resets the run of failures
    codec.decodeUplink(up(1));
    assert.is(codec.quarantined, false);
    codec.decodeUplink(up(1));
    assert.is(codec.quarantined, true);
  } finally {
    codec.dispose();
  }
});

v3('a number or an array from Decode is still invalid output', async () => {
  const codec = await loadUserCodecFromSource('function Decode(p) { return p === 1 ? 5 : [1]; }', 'v3-bad', { quarantineAfter: 0 });
  try {
    assert.equal(codec.decodeUplink(up(1)).errors, ['codec returned invalid output: Decode returned a number instead of an object']);
    assert.equal(codec.decodeUplink(up(2)).errors, ['codec returned invalid output: Decode returned an array instead of an object']);
  } finally {
    codec.dispose();
  }
});

v3.run();

// TTN v2 -------------------------------------------------------------------------------------------
const v2 = suite<{ codec: UserCodec }>('TTN v2 Decoder, Converter, Validator, Encoder');
v2.before(async (ctx) => {
  ctx.codec = await loadUserCodec(codecFixture('ttn-v2-steps.js'), { quarantineAfter: 0 });
});
v2.after((ctx) => ctx.codec.dispose());

v2('Decoder(bytes, port) then Converter', ({ codec }) => {
  assert.is(codec.form, 'ttn-v2');
  assert.equal(codec.decodeUplink(up(1, [42])), { data: { level: 42, converted: true }, warnings: [], errors: [] });
});

v2('a Decoder returning {} gives empty data; undefined gives data null (Converter sees what Decoder returned)', async () => {
  const only = await loadUserCodecFromSource('function Decoder(b, p) { return p === 2 ? {} : undefined; }', 'v2-empty');
  try {
    assert.equal(only.decodeUplink(up(2)), { data: {}, warnings: [], errors: [] });
    assert.equal(only.decodeUplink(up(4)), { data: null, warnings: [], errors: [] });
    assert.is(only.failures, 0);
  } finally {
    only.dispose();
  }
});

v2('Validator returning false rejects the uplink with an error, not a codec failure', ({ codec }) => {
  const before = codec.failures;
  assert.equal(codec.decodeUplink(up(1, [150])), { data: null, warnings: [], errors: ['Validator rejected the payload'] });
  assert.is(codec.failures, before);
});

v2('a Converter that throws is a codec failure naming the file and line', ({ codec }) => {
  const out = codec.decodeUplink(up(9, [1]));
  assert.equal(out.data, null);
  assert.equal(out.errors, ['codec threw Error: converter cannot handle port 9 (ttn-v2-steps.js line 11)']);
  assert.is(codec.failuresByReason.exception, 1);
});

v2('Encoder(object, port) encodes downlinks; the fPort asked for is kept', ({ codec }) => {
  assert.type(codec.encodeDownlink, 'function');
  assert.equal(codec.encodeDownlink!({ data: { level: 7 }, fPort: 3 }), { bytes: [7], fPort: 3, warnings: [], errors: [] });
});

v2('a Decoder-only channel loop (the *_TTN.js shape) loads and decodes', async () => {
  const codec = await loadUserCodec(codecFixture('ttn-v2-decoder-only.js'));
  try {
    assert.is(codec.form, 'ttn-v2');
    assert.is(codec.encodeDownlink, undefined);
    assert.equal(codec.decodeUplink(up(85, [0x01, 0x75, 90, 0x05, 0x6a, 1, 0])), { data: { battery: 90 }, warnings: [], errors: [] });
  } finally {
    codec.dispose();
  }
});

v2('forms are chosen TS013 first, then ChirpStack v3, then TTN v2', async () => {
  const both = await loadUserCodecFromSource(
    'function Decoder(b) { return { form: "v2" }; }\nfunction Decode(p, b) { return { form: "v3" }; }',
    'both',
  );
  try {
    assert.is(both.form, 'chirpstack-v3');
    assert.equal(both.decodeUplink(up(1)).data, { form: 'v3' });
  } finally {
    both.dispose();
  }
});

v2('the in-process engine of the tools runs the same forms', async () => {
  const codec = await loadUserCodec(codecFixture('ttn-v2-steps.js'), { engine: new InlineEngine() });
  try {
    assert.equal(codec.decodeUplink(up(1, [42])).data, { level: 42, converted: true });
    assert.equal(codec.decodeUplink(up(1, [150])).errors, ['Validator rejected the payload']);
  } finally {
    codec.dispose();
  }
});

v2.run();

// data beside errors ------------------------------------------------------------------------------
const errors = suite('TS013 data beside errors');

errors('a result with errors keeps warnings and errors but data is null, as for built-in codecs', async () => {
  const codec = await loadUserCodec(codecFixture('data-and-errors.js'));
  try {
    assert.equal(codec.decodeUplink(up(2)), { data: null, warnings: ['odd length'], errors: ['checksum mismatch'] });
    assert.equal(codec.decodeUplink(up(1)), { data: { partial: false }, warnings: ['odd length'], errors: [] });
    // Errors the codec reports are not failures.
    assert.is(codec.failures, 0);
  } finally {
    codec.dispose();
  }
});

errors.run();
