// The field-staff tools `decode` and `profiles`, called as functions with stdout captured.
// A UsageError is what the command line turns into exit code 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { decodeCommand } from '../../src/tools/decode.js';
import { profilesCommand } from '../../src/tools/profiles.js';
import { builtinCodecs } from '../../src/codecs/builtin/index.js';
import { fixturePath, tempDir } from '../fixtures/devices/helpers.js';
import { capture, usageError } from '../helpers/tool-output.js';

test('decode: a built-in codec prints data, warnings and errors as JSON (exit 0)', async () => {
  const r = await capture(() => decodeCommand(['--codec', 'elsys-ers', '--fport', '5', '0100e2 0229 040027 0506 060308 070e15']));
  assert.is(r.code, 0);
  // Elsys vendor example: 22.6 degC, 41 %, 39 lux, motion 6, 776 ppm, 3605 mV.
  assert.equal(JSON.parse(r.stdout), {
    data: { temperature: 22.6, humidity: 41, light: 39, motion: 6, co2: 776, vdd: 3605 },
    warnings: [],
    errors: [],
  });
});

test('decode: codec errors give exit 1 and are printed', async () => {
  const r = await capture(() => decodeCommand(['--codec', 'nasys-ul20xx', '--fport', '1', '00']));
  assert.is(r.code, 1);
  assert.equal(JSON.parse(r.stdout), { data: null, warnings: [], errors: ['unknown fPort 1 for nasys-ul20xx (expected 23, 26, 60, 61, 99)'] });
});

test('decode: bad usage is a UsageError (exit 2) with a clear reason', async () => {
  assert.match(await usageError(() => decodeCommand(['--codec', 'elsys-ers', '--fport', '5', '01zz'])), /must be hex/);
  assert.match(await usageError(() => decodeCommand(['--codec', 'elsys-ers', '--fport', '5', '010'])), /even number of digits/);
  assert.match(await usageError(() => decodeCommand(['--codec', 'elsys-ers', '0100e2'])), /--fport is required/);
  assert.match(await usageError(() => decodeCommand(['--codec', 'elsys-ers', '--fport', '300', '00'])), /0\.\.255/);
  assert.match(await usageError(() => decodeCommand(['--fport', '5', '00'])), /--codec is required/);
  assert.match(await usageError(() => decodeCommand(['--codec', 'elsys-ers', '--fport', '5'])), /exactly one payload/);
  const unknown = await usageError(() => decodeCommand(['--codec', 'elsys', '--fport', '5', '00']));
  assert.match(unknown, /unknown codec "elsys"/);
  for (const c of builtinCodecs) assert.ok(unknown.includes(c.id), `lists ${c.id}`);
  assert.match(await usageError(() => decodeCommand(['--codec', './missing-codec.js', '--fport', '5', '00'])), /not found/);
});

test('decode: a JavaScript codec file with variables and a receive time', async () => {
  const r = await capture(() =>
    decodeCommand(['--codec', fixturePath('codecs', 'acme-th01.js'), '--fport', '3', '--var', 'offset=10', '--time', '2026-01-02T03:04:05Z', '00 fa 65']),
  );
  assert.is(r.code, 0);
  assert.equal(JSON.parse(r.stdout), {
    data: { temperature: 35, humidity: 101, received: '2026-01-02T03:04:05.000Z' },
    warnings: ['humidity above 100 %'],
    errors: [],
  });
  const broken = await capture(() => decodeCommand(['--codec', fixturePath('codecs', 'broken-syntax.js'), '--fport', '1', '00']));
  assert.is(broken.code, 1);
  assert.match(JSON.parse(broken.stdout).errors[0], /syntax error in broken-syntax\.js/i);
});

test('profiles check: a clean directory passes (exit 0)', async () => {
  const dir = tempDir();
  try {
    fs.mkdirSync(path.join(dir, 'codecs'));
    fs.copyFileSync(fixturePath('codecs', 'acme-th01.js'), path.join(dir, 'codecs', 'acme-th01.js'));
    fs.writeFileSync(
      path.join(dir, 'acme-th01.yaml'),
      fs.readFileSync(fixturePath('profiles', 'acme-th01.yaml'), 'utf8').replace('../codecs/', './codecs/'),
    );
    const r = await capture(() => profilesCommand(['check', dir]));
    assert.is(r.code, 0, r.stdout);
    // The shipped profiles' own examples run too (milesight-am307: 2, elsys-ers: 1).
    assert.is(
      r.stdout,
      `ok: ${builtinCodecs.length + 1} profiles usable (${builtinCodecs.length} shipped, 1 from ${dir}), every codec loads, 3 examples pass\n`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('profiles check: bad profiles and codecs that do not load are listed (exit 1)', async () => {
  const dir = tempDir();
  try {
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'id: bad\nvendor: X\n');
    const broken = fixturePath('profiles', 'acme-broken.yaml');
    fs.writeFileSync(path.join(dir, 'broken.yaml'), fs.readFileSync(broken, 'utf8').replace('../codecs/', `${fixturePath('codecs')}/`));
    const r = await capture(() => profilesCommand(['check', dir]));
    assert.is(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    const bad = path.join(dir, 'bad.yaml');
    for (const key of ['model', 'category', 'codec', 'fPorts', 'class', 'region', 'description']) {
      assert.ok(lines.includes(`${bad} [line 1]: ${key}: is required`), `${key} listed:\n${r.stdout}`);
    }
    assert.ok(lines.some((l) => l.startsWith(`${path.join(dir, 'broken.yaml')}: codec: `) && /syntax error/i.test(l)), r.stdout);
    // bad.yaml is skipped and broken.yaml's codec does not load: only the shipped profiles are usable.
    assert.is(lines[lines.length - 1], `8 problems; ${builtinCodecs.length} profiles usable (${builtinCodecs.length} shipped, 0 from ${dir})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('profiles list: a table of shipped and local profiles', async () => {
  const r = await capture(() => profilesCommand(['list', '--dir', fixturePath('profiles')]));
  assert.is(r.code, 0);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^ID\s+VENDOR\s+MODEL\s+CATEGORY\s+CODEC\s+FPORTS$/);
  assert.is(lines.length, 1 + builtinCodecs.length + 2);
  const acme = lines.find((l) => l.startsWith('acme-th01 '));
  assert.ok(acme);
  assert.equal(acme!.split(/\s{2,}/), ['acme-th01', 'Acme', 'TH-01', 'air', '../codecs/acme-th01.js', '3']);
  const nas = lines.find((l) => l.startsWith('nasys-ul20xx '));
  assert.match(nas ?? '', /streetlight\s+nasys-ul20xx\s+23,26,60,61,99$/);
});

test('profiles: missing or unknown subcommand is a UsageError', async () => {
  assert.match(await usageError(() => profilesCommand([])), /subcommand is required/);
  assert.match(await usageError(() => profilesCommand(['lint'])), /unknown subcommand "lint"/);
});

test.run();
