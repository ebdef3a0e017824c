// Every built-in codec has a shipped device profile, derived from the codec's own definition (the
// metadata is written once, in codecs/builtin/<id>.ts), and only those are shipped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { builtinCodecFile, builtinCodecs, findBuiltinCodec } from '../../../src/codecs/builtin/index.js';
import { builtinPortProblem, loadProfiles, parseProfile, shippedProfilesDir } from '../../../src/devices/profiles.js';

const shipped = [...loadProfiles().profiles.values()].filter((p) => p.origin === 'shipped');

test('one shipped profile per built-in codec, with the codec id as profile id', () => {
  assert.equal(shipped.map((p) => p.id).sort(), builtinCodecs.map((c) => c.id).sort());
});

test('each shipped profile is its codec metadata, pointing at the codec module', () => {
  for (const p of shipped) {
    assert.is(p.codec, p.id, `${p.id}: codec`);
    assert.equal(p.codecRef, { kind: 'builtin', id: p.id });
    const codec = findBuiltinCodec(p.codec);
    assert.ok(codec, `${p.id}: codec ${p.codec} is registered`);
    assert.is(p.category, codec!.category, `${p.id}: category`);
    assert.equal(p.fPorts, codec!.fPorts, `${p.id}: fPorts`);
    assert.is(p.vendor, codec!.vendor, `${p.id}: vendor`);
    assert.is(p.model, codec!.model, `${p.id}: model`);
    assert.is(p.class, codec!.deviceClass, `${p.id}: class`);
    assert.ok(p.class === 'A' || p.class === 'C', `${p.id}: class`);
    assert.is(p.region, 'EU868', `${p.id}: region`);
    assert.is(p.description, codec!.description);
    assert.ok(p.description.length >= 20, `${p.id}: description`);
    assert.is(p.file, builtinCodecFile(p.id));
    assert.ok(p.file.startsWith(shippedProfilesDir()));
    assert.ok(existsSync(p.file), `${p.id}: ${p.file} exists`);
  }
});

test('street-light controllers are class C, battery sensors class A', () => {
  for (const p of shipped) assert.is(p.class, p.category === 'streetlight' ? 'C' : 'A', p.id);
});

test('examples declared by a codec travel with its profile', () => {
  const withExamples = shipped.filter((p) => p.examples !== undefined).map((p) => [p.id, p.examples!.length]);
  assert.equal(withExamples.sort(), [['elsys-ers', 1], ['milesight-am307', 2]]);
});

test('a local profile naming a built-in codec: ports the codec refuses are reported, fewer ports are fine', () => {
  const text = (ports: string) =>
    `id: acme-lamp\nvendor: Acme\nmodel: Lamp 1\ncategory: streetlight\ncodec: nasys-ul20xx\nfPorts: ${ports}\nclass: C\nregion: EU868\ndescription: A lamp controller that speaks the NAS protocol.\n`;
  const subset = parseProfile(text('[23, 26]'), '/x/acme-lamp.yaml', 'local').profile!;
  assert.is(builtinPortProblem(subset), null);
  const extra = parseProfile(text('[23, 7, 8]'), '/x/acme-lamp.yaml', 'local').profile!;
  assert.ok(extra, 'the daemon still loads it');
  assert.equal(builtinPortProblem(extra), {
    file: '/x/acme-lamp.yaml',
    key: 'fPorts',
    message: 'built-in codec nasys-ul20xx decodes fPorts 23, 26, 60, 61, 99 only; frames on 7, 8 will be errors',
  });
  for (const p of shipped) assert.is(builtinPortProblem(p), null, p.id);
});

test.run();
