// The device registry: every problem listed (entry, devEui, key path, line), invalid entries
// refuse the whole file (all or nothing), duplicates and unknown profiles refused, keys never in messages,
// and a warning when the file is readable by others.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { loadProfiles } from '../../../src/devices/profiles.js';
import { formatRegistryProblem, parseRegistry, readRegistryFile } from '../../../src/devices/registry.js';
import { tempDir } from '../../fixtures/devices/helpers.js';

const profiles = loadProfiles().profiles;
const NWK = '2b7e151628aed2a6abf7158809cf4f3c';
const APP = '000102030405060708090a0b0c0d0e0f';

const GOOD_ABP = `devices:
  - devEui: 70B3D57ED0000001
    name: lamp-1
    profile: nasys-ul20xx
    owner: city-lighting
    variables:
      pole: "17"
      zone: north
    activation:
      devAddr: 00112233
      nwkSKey: ${NWK}
      appSKey: ${APP}
  - devEui: "70:b3:d5:7e:d0:00:00:02"
    name: room-2
    profile: elsys-ers
    owner: facilities
    activation:
      joinEui: 0000000000000000
      appKey: ${APP}
`;

test('ABP and OTAA entries parse; every scalar stays text (00112233 is not a number)', () => {
  const r = parseRegistry(GOOD_ABP, profiles);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.problems, []);
  assert.is(r.entries.length, 2);
  const [lamp, room] = r.entries;
  assert.is(lamp.devEui, '70b3d57ed0000001');
  assert.is(lamp.profile.id, 'nasys-ul20xx');
  assert.equal(lamp.variables, { pole: '17', zone: 'north' });
  assert.is(lamp.line, 2);
  assert.is(lamp.activation.mode, 'ABP');
  if (lamp.activation.mode === 'ABP') {
    assert.is(lamp.activation.devAddr, 0x00112233);
    assert.is(lamp.activation.devAddrHex, '00112233');
    assert.is(lamp.activation.nwkSKey.toString('hex'), NWK);
    assert.is(lamp.activation.appSKey.toString('hex'), APP);
  }
  assert.is(room.devEui, '70b3d57ed0000002');
  assert.equal(room.activation.mode === 'OTAA' && room.activation.joinEui, '0000000000000000');
  assert.equal(room.variables, {});
});

test('one invalid entry refuses the whole registry (never half of it); every problem is listed with its line', () => {
  const text = `devices:
  - devEui: 70b3d57ed0000001
    name: good
    profile: elsys-ers
    owner: a
    activation: { devAddr: 26011234, nwkSKey: ${NWK}, appSKey: ${APP} }
  - devEui: 70b3d57ed00000zz
    name: ""
    profile: elsys-ers
    activation: { devAddr: 2601123, nwkSKey: 1234, appSKey: ${APP}, fCnt: 3 }
  - devEui: 70b3d57ed0000003
    name: unknown-profile
    profile: acme-nothing
    owner: a
    activation: { joinEui: 0000000000000001, appKey: ${APP} }
  - devEui: 70b3d57ed0000001
    name: duplicate
    profile: elsys-ers
    owner: a
    activation: { joinEui: 0000000000000001, appKey: ${APP} }
  - devEui: 70b3d57ed0000005
    name: mixed
    profile: elsys-ers
    owner: a
    activation: { devAddr: 26011235, appKey: ${APP} }
  - just a string
  - devEui: 70b3d57ed0000007
    name: good-too
    profile: nwave-nps405
    owner: b
    activation: { joinEui: 0000000000000001, appKey: ${APP} }
`;
  const r = parseRegistry(text, profiles);
  assert.not.ok(r.ok);
  assert.not.ok('entries' in r, 'no entries at all, not even the good ones');
  const lines = r.problems.map((p) => formatRegistryProblem(p, 'reg.yaml'));
  const has = (pattern: RegExp) => assert.ok(lines.some((l) => pattern.test(l)), `expected a problem matching ${pattern}\n${lines.join('\n')}`);
  has(/^reg\.yaml: entry 2 \(devEui 70b3d57ed00000zz\) \[line 7\]: devEui: must be 16 hex digits/);
  has(/^reg\.yaml: entry 2 .*: name: must not be empty$/);
  has(/^reg\.yaml: entry 2 .*: owner: is required$/);
  has(/^reg\.yaml: entry 2 .*: activation\.devAddr: must be 8 hex digits/);
  has(/^reg\.yaml: entry 2 .*: activation\.nwkSKey: must be 32 hex digits/);
  has(/^reg\.yaml: entry 2 .*: activation: unknown key "fCnt"$/);
  has(/^reg\.yaml: entry 3 \(devEui 70b3d57ed0000003\) \[line 13\]: profile: unknown profile "acme-nothing" \(known: bosch-tps110, /);
  has(/^reg\.yaml: entry 4 \(devEui 70b3d57ed0000001\) \[line 16\]: devEui: duplicate: entry 1 already has this devEui$/);
  has(/^reg\.yaml: entry 5 .*: activation: mixes ABP and OTAA keys/);
  has(/^reg\.yaml: entry 6 \[line 26\]: must be a map with devEui/);
  assert.is(new Set(r.problems.map((p) => p.entry)).size, 5, 'five entries have problems');
  // No key material in any message.
  for (const l of lines) assert.not.ok(l.includes(APP) || l.includes(NWK) || l.includes('1234,'), l);
});

test('file-level problems make the whole registry unusable', () => {
  const notYaml = parseRegistry('devices:\n  - devEui: [\n', profiles);
  assert.not.ok(notYaml.ok);
  assert.match(notYaml.problems[0].message, /not valid YAML/);
  const noList = parseRegistry('device:\n  - a\n', profiles);
  assert.not.ok(noList.ok);
  assert.ok(noList.problems.some((p) => /unknown top-level key "device"/.test(p.message)));
  assert.ok(noList.problems.some((p) => /no top-level "devices:" list/.test(p.message)));
  const notAList = parseRegistry('devices: {a: 1}\n', profiles);
  assert.not.ok(notAList.ok);
  assert.match(notAList.problems[0].message, /must be a list/);
  const scalar = parseRegistry('hello\n', profiles);
  assert.not.ok(scalar.ok);
});

test('an empty devices list is valid (no devices yet)', () => {
  const r = parseRegistry('devices:\n', profiles);
  assert.ok(r.ok);
  assert.equal(r.ok && r.entries, []);
  const r2 = parseRegistry('devices: []\n', profiles);
  assert.ok(r2.ok && r2.entries.length === 0);
});

test('a missing activation and a bad variables map are reported', () => {
  const r = parseRegistry(
    `devices:\n  - devEui: 70b3d57ed0000001\n    name: a\n    profile: elsys-ers\n    owner: o\n    variables: [1, 2]\n`,
    profiles,
  );
  assert.not.ok(r.ok);
  const keys = r.problems.map((p) => `${p.key}: ${p.message}`);
  assert.ok(keys.some((k) => /^activation: is required: ABP \{devAddr, nwkSKey, appSKey\} or OTAA \{joinEui, appKey\}$/.test(k)), keys.join('\n'));
  assert.ok(keys.some((k) => /^variables: must be a map/.test(k)), keys.join('\n'));
});

test('readRegistryFile warns when group or others may read the keys', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'registry.yaml');
    fs.writeFileSync(file, GOOD_ABP, { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const open = readRegistryFile(file, profiles);
    assert.ok(open.result.ok);
    assert.is(open.warnings.length, 1);
    assert.match(open.warnings[0], /mode 0644.*chmod 600/);
    fs.chmodSync(file, 0o600);
    const closed = readRegistryFile(file, profiles);
    assert.equal(closed.warnings, []);
    assert.is(closed.text, GOOD_ABP);
    const missing = readRegistryFile(path.join(dir, 'nope.yaml'), profiles);
    assert.not.ok(missing.result.ok);
    assert.match(missing.result.problems[0].message, /does not exist/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
