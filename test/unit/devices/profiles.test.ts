// Device profiles: validation lists every problem with file and key, bad profiles are skipped,
// local profiles may replace shipped ones, codec references are checked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { builtinCodecs } from '../../../src/codecs/builtin/index.js';
import { formatProfileProblem, isCodecPath, loadProfileDir, loadProfiles, parseProfile, shippedProfilesDir } from '../../../src/devices/profiles.js';
import { captureLogger, tempDir } from '../../fixtures/devices/helpers.js';

const GOOD = `id: acme-lamp
vendor: Acme
model: Lamp 1
category: streetlight
codec: nasys-ul20xx
fPorts: [23, 26]
class: C
region: EU868
description: A lamp controller that speaks the NAS protocol.
`;

test('a valid profile parses, its built-in codec is resolved', () => {
  const r = parseProfile(GOOD, '/x/acme-lamp.yaml', 'local');
  assert.equal(r.problems, []);
  assert.ok(r.profile);
  assert.is(r.profile!.id, 'acme-lamp');
  assert.equal(r.profile!.fPorts, [23, 26]);
  assert.equal(r.profile!.codecRef, { kind: 'builtin', id: 'nasys-ul20xx' });
  assert.is(r.profile!.class, 'C');
});

test('every problem of a bad profile is listed with its key', () => {
  const text = `id: Acme Lamp
vendor: ""
category: lamp
codec: nasys-ul20xx
fPorts: [0, 300, 23, 23]
class: D
region: EU869
fports: [1]
`;
  const r = parseProfile(text, '/x/bad.yaml', 'local');
  assert.is(r.profile, null);
  const byKey = new Map(r.problems.map((p) => [p.key, p.message]));
  assert.match(byKey.get('id') ?? '', /lower-case/);
  assert.match(byKey.get('vendor') ?? '', /must not be empty/);
  assert.match(byKey.get('model') ?? '', /is required/);
  assert.match(byKey.get('category') ?? '', /streetlight, parking, air, other/);
  assert.match(byKey.get('fPorts[0]') ?? '', /1\.\.223/);
  assert.match(byKey.get('fPorts[1]') ?? '', /1\.\.223/);
  assert.match(byKey.get('class') ?? '', /A, B, C/);
  assert.match(byKey.get('region') ?? '', /EU868/);
  assert.match(byKey.get('description') ?? '', /is required/);
  assert.match(byKey.get('') ?? '', /unknown key "fports"/);
  assert.is(formatProfileProblem(r.problems.find((p) => p.key === 'class')!), '/x/bad.yaml [line 6]: class: must be one of A, B, C');
});

test('duplicate fPorts, unknown codec id, missing codec file', () => {
  const dup = parseProfile(GOOD.replace('[23, 26]', '[23, 23]'), '/x/a.yaml', 'local');
  assert.equal(dup.problems.map((p) => p.key), ['fPorts']);
  assert.match(dup.problems[0].message, /twice/);

  const unknown = parseProfile(GOOD.replace('codec: nasys-ul20xx', 'codec: nasys-ul2000'), '/x/a.yaml', 'local');
  assert.is(unknown.profile, null);
  assert.is(unknown.problems[0].key, 'codec');
  assert.match(unknown.problems[0].message, /"nasys-ul2000" is not a built-in codec/);
  for (const c of builtinCodecs) assert.ok(unknown.problems[0].message.includes(c.id), `lists ${c.id}`);

  const dir = tempDir();
  try {
    const file = path.join(dir, 'p.yaml');
    const missing = parseProfile(GOOD.replace('codec: nasys-ul20xx', 'codec: ./codecs/lamp.js'), file, 'local');
    assert.is(missing.profile, null);
    assert.match(missing.problems[0].message, /codec file \.\/codecs\/lamp\.js not found/);
    fs.mkdirSync(path.join(dir, 'codecs'));
    fs.writeFileSync(path.join(dir, 'codecs', 'lamp.js'), 'function decodeUplink(i) { return { data: {} }; }');
    const found = parseProfile(GOOD.replace('codec: nasys-ul20xx', 'codec: ./codecs/lamp.js'), file, 'local');
    assert.equal(found.profile?.codecRef, { kind: 'file', path: path.join(dir, 'codecs', 'lamp.js') });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('codec strings: paths versus built-in ids', () => {
  assert.ok(isCodecPath('./a.js'));
  assert.ok(isCodecPath('codecs/a'));
  assert.ok(isCodecPath('a.js'));
  assert.not.ok(isCodecPath('nasys-ul20xx'));
});

test('not YAML and empty files are reported', () => {
  const broken = parseProfile('id: [unclosed\n', '/x/b.yaml', 'local');
  assert.is(broken.profile, null);
  assert.match(broken.problems[0].message, /not valid YAML/);
  const empty = parseProfile('', '/x/e.yaml', 'local');
  assert.equal(empty.problems.map((p) => p.message), ['the file is empty']);
});

test('a directory: bad profiles skipped, good ones loaded, duplicate ids refused', () => {
  const dir = tempDir();
  try {
    fs.writeFileSync(path.join(dir, 'a-good.yaml'), GOOD);
    fs.writeFileSync(path.join(dir, 'b-bad.yaml'), GOOD.replace('class: C', 'class: X'));
    fs.writeFileSync(path.join(dir, 'c-dup.yml'), GOOD);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    const r = loadProfileDir(dir, 'local');
    assert.equal(r.profiles.map((p) => p.id), ['acme-lamp']);
    assert.is(r.problems.length, 2);
    assert.is(r.problems[0].file, path.join(dir, 'b-bad.yaml'));
    assert.is(r.problems[0].key, 'class');
    assert.is(r.problems[1].file, path.join(dir, 'c-dup.yml'));
    assert.match(r.problems[1].message, /already used by .*a-good\.yaml/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('shipped profiles all load; a local profile replaces a shipped id with an info log', () => {
  const shipped = loadProfiles();
  assert.equal(shipped.problems, []);
  assert.equal([...shipped.profiles.keys()].sort(), builtinCodecs.map((c) => c.id).sort());
  assert.ok(shipped.profiles.get('elsys-ers')!.file.startsWith(shippedProfilesDir()));

  const dir = tempDir();
  try {
    fs.writeFileSync(path.join(dir, 'elsys.yaml'), GOOD.replace('id: acme-lamp', 'id: elsys-ers').replace('codec: nasys-ul20xx', 'codec: elsys-ers').replace('[23, 26]', '[5]'));
    const { logger, lines } = captureLogger('info');
    const merged = loadProfiles({ extraDir: dir, logger });
    assert.is(merged.profiles.size, builtinCodecs.length);
    assert.is(merged.profiles.get('elsys-ers')!.origin, 'local');
    assert.equal(merged.profiles.get('elsys-ers')!.fPorts, [5]);
    const info = lines.find((l) => l.msg === 'local device profile replaces a shipped one');
    assert.ok(info);
    assert.is(info!.level, 'info');
    assert.is(info!.profile, 'elsys-ers');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing local directory is a problem, shipped profiles still load', () => {
  const r = loadProfiles({ extraDir: '/nonexistent/lora-edge-profiles' });
  assert.is(r.profiles.size, builtinCodecs.length);
  assert.is(r.problems.length, 1);
  assert.match(r.problems[0].message, /cannot read the profile directory/);
});

test.run();
