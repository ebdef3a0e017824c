// User codecs in the QuickJS sandbox: TS013 and ChirpStack v3 forms, downlinks, inputs that reach
// the codec, and load errors. Expected values follow from the payload layout documented in the
// fixture files (test/fixtures/codecs/acme-th1-*.js).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CodecLoadError,
  loadUserCodec,
  loadUserCodecFromSource,
  sharedSandboxEngine,
  type UserCodec,
} from '../../../../src/codecs/sandbox/index.js';
import { codecFixture } from '../../../fixtures/codecs/paths.js';

const RECV = new Date('2024-05-01T10:00:00.000Z');
// flags 0x00, 25.00 degC (0x09C4 = 2500), 50 %RH (0x64 = 100 half-percent), 3.000 V (0x0BB8 = 3000 mV)
const MEASUREMENT = [0x00, 0x09, 0xc4, 0x64, 0x0b, 0xb8];

async function loadError(load: Promise<UserCodec>): Promise<CodecLoadError> {
  try {
    const codec = await load;
    codec.dispose();
  } catch (err) {
    if (err instanceof CodecLoadError) return err;
    throw err;
  }
  throw new Error('expected a CodecLoadError');
}

const ts013 = suite<{ codec: UserCodec }>('TS013 codec');

ts013.before(async (ctx) => {
  ctx.codec = await loadUserCodec(codecFixture('acme-th1-ts013.js'));
});
ts013.after((ctx) => ctx.codec.dispose());

ts013('is recognised as TS013 with both downlink functions', ({ codec }) => {
  assert.is(codec.id, 'acme-th1-ts013');
  assert.is(codec.form, 'ts013');
  assert.type(codec.encodeDownlink, 'function');
  assert.type(codec.decodeDownlink, 'function');
});

ts013('decodes a measurement; recvTime arrives as a Date and variables reach the codec', ({ codec }) => {
  const out = codec.decodeUplink({ bytes: MEASUREMENT, fPort: 1, recvTime: RECV, variables: { site: 'pump-house' } });
  assert.equal(out, {
    data: { temperature: 25, humidity: 50, battery: 3, receivedAt: '2024-05-01T10:00:00.000Z', site: 'pump-house' },
    warnings: [],
    errors: [],
  });
});

ts013('negative temperature and the battery-low flag give data plus a warning', ({ codec }) => {
  // 0xFF38 = -200 -> -2.00 degC; flags bit 0 set; 0x0A8C = 2700 mV
  const out = codec.decodeUplink({ bytes: [0x01, 0xff, 0x38, 0x50, 0x0a, 0x8c], fPort: 1, recvTime: RECV });
  assert.equal(out.data, { temperature: -2, humidity: 40, battery: 2.7, receivedAt: '2024-05-01T10:00:00.000Z' });
  assert.equal(out.warnings, ['battery low']);
  assert.equal(out.errors, []);
});

ts013('errors reported by the codec come through and are not counted as failures', ({ codec }) => {
  const short = codec.decodeUplink({ bytes: [0x00, 0x09], fPort: 1, recvTime: RECV });
  assert.equal(short, { data: null, warnings: [], errors: ['payload too short: expected 6 bytes, got 2'] });
  const port = codec.decodeUplink({ bytes: [1], fPort: 99, recvTime: RECV });
  assert.equal(port.errors, ['unknown fPort 99']);
  assert.is(codec.failures, 0);
});

ts013('String.fromCharCode decodes the firmware text', ({ codec }) => {
  const out = codec.decodeUplink({ bytes: [0x31, 0x2e, 0x34, 0x2e, 0x32], fPort: 2, recvTime: RECV });
  assert.is(out.data?.firmware, '1.4.2');
});

ts013('encodeDownlink builds the interval command with its fPort', ({ codec }) => {
  // 300 minutes = 0x012C
  assert.equal(codec.encodeDownlink?.({ data: { interval: 300 } }), {
    warnings: [],
    errors: [],
    bytes: [0x01, 0x01, 0x2c],
    fPort: 10,
  });
  assert.equal(codec.encodeDownlink?.({ data: { reboot: true } }), {
    warnings: ['device will rejoin'],
    errors: [],
    bytes: [0x02],
    fPort: 10,
  });
  const refused = codec.encodeDownlink?.({ data: { interval: 5000 } });
  assert.equal(refused, { warnings: [], errors: ['interval must be 1-1440 minutes'] });
});

ts013('decodeDownlink is the inverse of encodeDownlink', ({ codec }) => {
  const out = codec.decodeDownlink?.({ bytes: [0x01, 0x01, 0x2c], fPort: 10 });
  assert.equal(out, { data: { interval: 300 }, warnings: [], errors: [] });
});

ts013('malformed host input is refused without running or counting a failure', ({ codec }) => {
  const out = codec.decodeUplink({ bytes: [1, 300], fPort: 1, recvTime: RECV });
  assert.equal(out.errors, ['invalid codec input: bytes[1] is 300, not a byte (0-255)']);
  const badDate = codec.decodeUplink({ bytes: [1], fPort: 1, recvTime: new Date('nonsense') });
  assert.equal(badDate.errors, ['invalid codec input: recvTime must be a valid Date']);
  assert.is(codec.failures, 0);
});

ts013.run();

const legacy = suite('ChirpStack v3 codec');

legacy('Decode returns the data object; Encode returns bytes', async () => {
  const codec = await loadUserCodec(codecFixture('acme-th1-v3.js'));
  try {
    assert.is(codec.form, 'chirpstack-v3');
    assert.is(codec.decodeDownlink, undefined);
    const out = codec.decodeUplink({ bytes: MEASUREMENT, fPort: 1, recvTime: RECV, variables: { site: 'roof' } });
    assert.equal(out, {
      data: { temperature: 25, humidity: 50, battery: 3, batteryLow: false, port: 1, site: 'roof' },
      warnings: [],
      errors: [],
    });
    // 60 minutes = 0x003C; fPort comes from the request, as Encode(fPort, obj, variables) has no way to return one.
    assert.equal(codec.encodeDownlink?.({ data: { interval: 60 }, fPort: 10 }), {
      warnings: [],
      errors: [],
      bytes: [0x01, 0x00, 0x3c],
      fPort: 10,
    });
  } finally {
    codec.dispose();
  }
});

legacy.run();

const forms = suite('other source forms');

forms('const/arrow-function codecs are found (lexical globals)', async () => {
  const codec = await loadUserCodec(codecFixture('arrow-const-ts013.js'));
  try {
    const out = codec.decodeUplink({ bytes: [215], fPort: 3, recvTime: RECV });
    assert.equal(out.data, { level: 21.5, keys: ['bytes', 'fPort', 'recvTime', 'variables'] });
  } finally {
    codec.dispose();
  }
});

forms('loadUserCodecFromSource names the codec and uses the name in messages', async () => {
  const codec = await loadUserCodecFromSource('function decodeUplink(input) {\n  return { data: { x: input.bytes[0].y.z } };\n}', 'inline');
  try {
    assert.is(codec.id, 'inline');
    const out = codec.decodeUplink({ bytes: [1], fPort: 1, recvTime: RECV });
    assert.equal(out.errors, ["codec threw TypeError: cannot read property 'z' of undefined (inline.js line 2)"]);
  } finally {
    codec.dispose();
  }
});

forms.run();

const loading = suite('load errors');

loading('a syntax error names the file and line', async () => {
  const err = await loadError(loadUserCodec(codecFixture('syntax-error.js')));
  assert.is(err.reason, 'syntax');
  assert.is(err.line, 4);
  assert.match(err.message, /^syntax error in syntax-error\.js line 4: /);
});

loading('a file without decodeUplink, Decode or Decoder is refused', async () => {
  const err = await loadError(loadUserCodec(codecFixture('no-entry-point.js')));
  assert.is(err.reason, 'no-entry-point');
  assert.is(
    err.message,
    'no-entry-point.js defines none of decodeUplink(input) (TS013), Decode(fPort, bytes, variables) (ChirpStack v3) ' +
      'or Decoder(bytes, port) (TTN v2)',
  );
});

loading('top-level code that never ends is stopped at load', async () => {
  const err = await loadError(loadUserCodec(codecFixture('top-level-loop.js'), { timeLimitMs: 20 }));
  assert.is(err.reason, 'top-level-error');
  // load time limit = max(4 x 20 ms, 200 ms)
  assert.is(err.message, 'top-level-loop.js failed while running its top-level code: codec exceeded its 200 ms time limit');
});

loading('missing file, directory and oversized file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-'));
  try {
    const missing = await loadError(loadUserCodec(join(dir, 'nope.js')));
    assert.is(missing.reason, 'not-found');
    assert.is(missing.message, `codec file not found: ${join(dir, 'nope.js')}`);

    const notFile = await loadError(loadUserCodec(dir));
    assert.is(notFile.reason, 'unreadable');

    const big = join(dir, 'big.js');
    writeFileSync(big, `function decodeUplink(i) { return { data: {} }; }\n//${'x'.repeat(256 * 1024)}`);
    const tooLarge = await loadError(loadUserCodec(big));
    assert.is(tooLarge.reason, 'too-large');
    assert.match(tooLarge.message, /^codec big\.js is 262\d{3} bytes; the limit is 262144 bytes \(256 KiB\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

loading('invalid options are refused with a reason', async () => {
  try {
    await loadUserCodecFromSource('function decodeUplink(){ return {}; }', 'x', { timeLimitMs: 0 });
    assert.unreachable('expected a RangeError');
  } catch (err) {
    assert.instance(err, RangeError);
    assert.is((err as Error).message, 'timeLimitMs must be between 1 and 10000, got 0');
  }
});

loading('every codec of this file was released', () => {
  const info = sharedSandboxEngine().info();
  assert.is(info.users, 0);
  assert.is(info.running, false);
});

loading.run();
