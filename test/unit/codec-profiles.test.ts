// Every shipped device profile (device-profiles/*.yaml) matches a built-in codec and vice versa.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { builtinCodecs, findBuiltinCodec } from '../../src/codecs/builtin/index.js';

/** Repository root: the nearest folder upwards holding package.json (works from test/ and dist/test/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test file');
    dir = up;
  }
  return dir;
}

const profileDir = join(repoRoot(), 'device-profiles');
const files = readdirSync(profileDir).filter((f) => f.endsWith('.yaml')).sort();
const KEYS = ['category', 'class', 'codec', 'description', 'fPorts', 'id', 'model', 'region', 'vendor'];

test('one profile per built-in codec, named <id>.yaml', () => {
  assert.equal(files, builtinCodecs.map((c) => `${c.id}.yaml`).sort());
});

test('each profile has exactly the agreed keys and agrees with its codec', () => {
  for (const file of files) {
    const p = YAML.parse(readFileSync(join(profileDir, file), 'utf8')) as Record<string, unknown>;
    // `examples` is optional (profiles check runs them).
    assert.equal(Object.keys(p).filter((k) => k !== 'examples').sort(), KEYS, file);
    assert.is(p.id, file.slice(0, -'.yaml'.length), `${file}: id matches the file name`);
    assert.is(p.codec, p.id, `${file}: codec`);
    const codec = findBuiltinCodec(String(p.codec));
    assert.ok(codec, `${file}: codec ${String(p.codec)} is registered`);
    assert.is(p.category, codec!.category, `${file}: category`);
    assert.equal(p.fPorts, codec!.fPorts, `${file}: fPorts`);
    assert.is(p.vendor, codec!.vendor, `${file}: vendor`);
    assert.is(p.model, codec!.model, `${file}: model`);
    assert.ok(p.class === 'A' || p.class === 'C', `${file}: class`);
    assert.is(p.region, 'EU868', `${file}: region`);
    assert.type(p.description, 'string');
    assert.ok((p.description as string).length >= 20, `${file}: description`);
  }
});

test('street-light controllers are class C, battery sensors class A', () => {
  for (const file of files) {
    const p = YAML.parse(readFileSync(join(profileDir, file), 'utf8')) as Record<string, unknown>;
    assert.is(p.class, p.category === 'streetlight' ? 'C' : 'A', file);
  }
});

test.run();
