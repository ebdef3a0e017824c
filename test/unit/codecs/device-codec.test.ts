// The one codec dispatch (src/codecs/device-codec.ts): the daemon's codecs and `lora-edge decode`
// answer the same for the same payload; load failures are typed so each caller can report them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findBuiltinCodec, runBuiltinDecode } from '../../../src/codecs/builtin/index.js';
import { CodecLoadError } from '../../../src/codecs/sandbox/errors.js';
import { openDeviceCodec, UnknownBuiltinCodecError } from '../../../src/codecs/device-codec.js';
import { loadDeviceCodecs } from '../../../src/devices/device-codecs.js';
import { decodeCommand } from '../../../src/tools/decode.js';
import { captureLogger, fixturePath } from '../../fixtures/devices/helpers.js';

const ELSYS = [0x01, 0x00, 0xe2, 0x02, 0x29, 0x04, 0x00, 0x27, 0x05, 0x06, 0x06, 0x03, 0x08, 0x07, 0x0e, 0x15];

async function stdoutOf(run: () => Promise<number>): Promise<{ code: number; stdout: string }> {
  const out: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    return { code: await run(), stdout: out.join('') };
  } finally {
    process.stdout.write = orig;
  }
}

test('a built-in codec: the dispatch gives what the catalogue gives, and `decode` prints it', async () => {
  const codec = await openDeviceCodec({ kind: 'builtin', id: 'elsys-ers' });
  assert.is(codec.name, 'elsys-ers');
  const input = { bytes: ELSYS, fPort: 5, recvTime: new Date(0) };
  const outcome = codec.decode(input);
  assert.equal(outcome, runBuiltinDecode(findBuiltinCodec('elsys-ers')!, input));
  const cli = await stdoutOf(() => decodeCommand(['--codec', 'elsys-ers', '--fport', '5', Buffer.from(ELSYS).toString('hex')]));
  assert.is(cli.code, 0);
  assert.equal(JSON.parse(cli.stdout), outcome);
  // Errors, too: same list, data null.
  const bad = codec.decode({ bytes: [0], fPort: 7, recvTime: new Date(0) });
  const badCli = await stdoutOf(() => decodeCommand(['--codec', 'elsys-ers', '--fport', '7', '00']));
  assert.is(badCli.code, 1);
  assert.equal(JSON.parse(badCli.stdout), bad);
  assert.equal(codec.encode({ data: {} }).errors, ['codec elsys-ers has no downlink encoder; send bytes instead']);
});

test('a JavaScript codec: the daemon path and `decode --worker` give the same outcome', async () => {
  const file = fixturePath('codecs', 'acme-th01.js');
  const codec = await openDeviceCodec({ kind: 'file', path: file });
  try {
    assert.is(codec.name, 'acme-th01.js');
    const input = { bytes: [0x00, 0xfa, 0x65], fPort: 3, recvTime: new Date('2026-01-02T03:04:05Z'), variables: { offset: '10' } };
    const outcome = codec.decode(input);
    const args = ['--codec', file, '--fport', '3', '--var', 'offset=10', '--time', '2026-01-02T03:04:05Z', '00fa65'];
    for (const extra of [[], ['--worker']]) {
      const cli = await stdoutOf(() => decodeCommand([...args, ...extra]));
      assert.equal(JSON.parse(cli.stdout), outcome, extra.join(' '));
    }
  } finally {
    codec.dispose();
  }
});

test('unknown ids and files that do not load are typed errors; the daemon turns them into unavailable codecs', async () => {
  try {
    await openDeviceCodec({ kind: 'builtin', id: 'no-such-codec' });
    assert.unreachable('expected UnknownBuiltinCodecError');
  } catch (err) {
    assert.instance(err, UnknownBuiltinCodecError);
    assert.ok((err as UnknownBuiltinCodecError).known.includes('elsys-ers'));
  }
  const broken = fixturePath('codecs', 'broken-syntax.js');
  try {
    await openDeviceCodec({ kind: 'file', path: broken });
    assert.unreachable('expected CodecLoadError');
  } catch (err) {
    assert.instance(err, CodecLoadError);
  }
  const { logger } = captureLogger();
  const loaded = await loadDeviceCodecs([{ kind: 'file', path: broken }, { kind: 'builtin', id: 'no-such-codec' }], { timeLimitMs: 50 }, logger);
  assert.is(loaded.problems.length, 1);
  assert.ok(loaded.problems[0].startsWith(`${broken}: `));
  const unavailable = loaded.codecs.get(`file:${broken}`)!;
  assert.match(unavailable.decode({ bytes: [], fPort: 1, recvTime: new Date(0) }).errors[0], /^codec broken-syntax\.js is not available: /);
  assert.equal(loaded.codecs.get('builtin:no-such-codec')!.decode({ bytes: [], fPort: 1, recvTime: new Date(0) }), {
    data: null,
    warnings: [],
    errors: ['codec no-such-codec is not available: no such built-in codec'],
  });
});

test.run();
