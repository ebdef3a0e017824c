// Property tier for the device files (issue 18): seeded random mutations of a valid devices.yaml and
// of a local profile (truncation at any byte, byte flips, alias bombs, unresolved aliases, duplicate
// keys, wrong types, huge numbers, deep nesting, lost lines) fed to the loader the daemon uses.
// Properties: the loader throws nothing but RegistryLoadError; it never yields part of a registry;
// every problem names its file (and its line when the YAML itself is broken); no key leaks into a
// message. The seed is printed; LORA_EDGE_FUZZ_SEED replays it, LORA_EDGE_FUZZ_RUNS sets the count.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadDeviceFiles, type DeviceFiles } from '../../../src/devices/device-files.js';
import { RegistryLoadError } from '../../../src/devices/errors.js';
import { seedFromEnv, seededRandom, type SeededRandom } from '../../helpers/seeded-random.js';

const KEYS = Array.from({ length: 10 }, (_, i) => (i + 1).toString(16).padStart(2, '0').repeat(16));

/** Five devices, one of them an OTAA street light in edge mode using the local profile. */
const REGISTRY = `# Registry of gateway 17 (Straßenbeleuchtung Nord)
devices:
  - devEui: 70b3d57ed0001001
    name: lamp-north-1
    profile: acme-lamp
    owner: city-lighting
    variables: { dimProfile: "night", zone: "7" }
    activation:
      devAddr: 26011001
      nwkSKey: ${KEYS[0]}
      appSKey: ${KEYS[1]}
  - devEui: 70b3d57ed0001002
    name: parking-bay-12
    profile: nwave-nps405
    owner: city-parking
    activation: { devAddr: 26011002, nwkSKey: ${KEYS[2]}, appSKey: ${KEYS[3]} }
  - devEui: 70b3d57ed0001003
    name: room-climate-3
    profile: elsys-ers
    owner: facilities
    activation:
      devAddr: 26011003
      nwkSKey: ${KEYS[4]}
      appSKey: ${KEYS[5]}
  - devEui: 70b3d57ed0001004
    name: street-light-edge
    profile: acme-lamp
    owner: city-lighting
    edge: true
    class: C
    activation:
      joinEui: 70b3d57ed0000000
      appKey: ${KEYS[6]}
  - devEui: 70b3d57ed0001005
    name: room-ambience-4
    profile: milesight-am307
    owner: facilities
    activation:
      devAddr: 26011005
      nwkSKey: ${KEYS[7]}
      appSKey: ${KEYS[8]}
`;

const PROFILE = `# Local profile: Acme street light controller
id: acme-lamp
vendor: Acme
model: Lamp 1
category: streetlight
codec: nasys-ul20xx
fPorts: [23, 26, 60]
class: C
region: EU868
description: >
  Street light controller with dimming (uses the NAS UL20xx codec).
`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lora-edge-fuzz-'));
const profilesDir = path.join(tmp, 'profiles');
fs.mkdirSync(profilesDir);
const registryPath = path.join(tmp, 'devices.yaml');
const profilePath = path.join(profilesDir, 'acme-lamp.yaml');

type Text = string | Buffer;
type Mutation = (text: string, r: SeededRandom) => Text;

const VALUE_LINE = /^(\s*(?:- )?[A-Za-z]+:[ ]?)(.*)$/;

/** Replaces the value of a random `key: value` line. */
function replaceValue(text: string, r: SeededRandom, make: (r: SeededRandom) => string): string {
  const lines = text.split('\n');
  const candidates = lines.map((l, i) => (VALUE_LINE.test(l) ? i : -1)).filter((i) => i >= 0);
  // An earlier mutation may have left no `key: value` line: add one.
  if (candidates.length === 0) return `${text}\nname: ${make(r)}\n`;
  const i = r.pick(candidates);
  lines[i] = lines[i].replace(VALUE_LINE, (_m, head: string) => `${head.endsWith(' ') ? head : `${head} `}${make(r)}`);
  return lines.join('\n');
}

function aliasBomb(levels: number, width: number): string {
  const out = [`bomb0: &b0 [${Array(width).fill('lol').join(', ')}]`];
  for (let l = 1; l <= levels; l++) out.push(`bomb${l}: &b${l} [${Array(width).fill(`*b${l - 1}`).join(', ')}]`);
  return out.join('\n');
}

const MUTATIONS: Record<string, Mutation> = {
  truncate: (t, r) => Buffer.from(t, 'utf8').subarray(0, r.int(0, Buffer.byteLength(t) - 1)),
  flipBytes: (t, r) => {
    const b = Buffer.from(t, 'utf8');
    for (let n = r.int(1, 6); n > 0; n--) b[r.int(0, b.length - 1)] = r.int(0, 255);
    return b;
  },
  flipBits: (t, r) => {
    const b = Buffer.from(t, 'utf8');
    for (let n = r.int(1, 4); n > 0; n--) b[r.int(0, b.length - 1)] ^= 1 << r.int(0, 7);
    return b;
  },
  aliasBomb: (t, r) => {
    const levels = r.int(3, 9);
    const bombed = replaceValue(t, r, () => `*b${levels}`);
    return `${aliasBomb(levels, r.int(5, 12))}\n${bombed}`;
  },
  unresolvedAlias: (t, r) => replaceValue(t, r, (rr) => `*${rr.pick(['room', 'lamp', 'x', 'b0'])}`),
  duplicateKey: (t, r) => {
    const lines = t.split('\n');
    const candidates = lines.map((l, i) => (/^\s*(?:- )?[A-Za-z]+:/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (candidates.length === 0) return `${t}\ndevices: []\ndevices: []\n`;
    const i = r.pick(candidates);
    const copy = lines[i].replace(/^(\s*)- /, '$1  ');
    lines.splice(i + 1, 0, copy);
    return lines.join('\n');
  },
  wrongType: (t, r) => replaceValue(t, r, (rr) => rr.pick(['[1, 2]', '{a: b}', '~', '""', 'true', '-1', '[]', '{}', '!!binary aGVsbG8=', '!custom x', '|\n  multi\n  line'])),
  hugeNumber: (t, r) =>
    replaceValue(t, r, (rr) => rr.pick(['9'.repeat(rr.int(20, 5000)), '1e999', '-1e999', '0x' + 'f'.repeat(rr.int(9, 400)), '.inf', '.nan', '1'.repeat(rr.int(17, 40))])),
  deepNesting: (t, r) =>
    replaceValue(t, r, (rr) => {
      const n = rr.int(10, 30_000);
      return rr.chance(0.5) ? '['.repeat(n) + ']'.repeat(n) : '{a: '.repeat(n) + '1' + '}'.repeat(n);
    }),
  deleteLine: (t, r) => {
    const lines = t.split('\n');
    lines.splice(r.int(0, lines.length - 1), r.int(1, 3));
    return lines.join('\n');
  },
  hugeText: (t, r) => replaceValue(t, r, (rr) => `"${'x'.repeat(rr.int(1000, 200_000))}"`),
};

type Outcome = { kind: 'loaded'; files: DeviceFiles } | { kind: 'refused'; err: RegistryLoadError };

function load(): Outcome {
  try {
    return { kind: 'loaded', files: loadDeviceFiles({ registryPath, profilesDir }) };
  } catch (err) {
    if (err instanceof RegistryLoadError) return { kind: 'refused', err };
    throw err;
  }
}

/** What an independent parse of the registry finds: the devEuis of its list items (null if unparsable). */
function listedDevEuis(): string[] | null {
  try {
    const doc = YAML.parse(fs.readFileSync(registryPath, 'utf8'), { schema: 'failsafe', maxAliasCount: 100, logLevel: 'silent' }) as { devices?: unknown };
    if (doc?.devices === '' || doc?.devices === null) return [];
    if (!Array.isArray(doc?.devices)) return null;
    return doc.devices.map((d) => String((d as { devEui?: unknown })?.devEui ?? '').replace(/[\s:-]/g, '').replace(/^0x/i, '').toLowerCase());
  } catch {
    return null;
  }
}

function checkOutcome(label: string, mutated: Text, target: 'registry' | 'profile'): Outcome {
  const started = Date.now();
  let outcome: Outcome;
  try {
    outcome = load();
  } catch (err) {
    assert.unreachable(`${label}: threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}\n--- input ---\n${String(mutated).slice(0, 600)}`);
    throw err;
  }
  assert.ok(Date.now() - started < 5000, `${label}: took ${Date.now() - started} ms`);
  if (outcome.kind === 'loaded') {
    // Never part of a registry: every list item became an entry, in order.
    const listed = listedDevEuis();
    assert.ok(listed !== null, `${label}: loaded a registry that an independent parse cannot read`);
    assert.equal(outcome.files.entries.map((e) => e.devEui), listed, `${label}: loaded entries differ from the items in the file`);
    if (target === 'profile') assert.is(outcome.files.entries.length, 5, `${label}: a profile change cannot change the registry`);
    return outcome;
  }
  const { err } = outcome;
  assert.ok(err.problems.length > 0, `${label}: refused without a reason`);
  assert.ok(err.message.includes(err.file), `${label}: the error message names no file: ${err.message}`);
  for (const p of err.problems) {
    assert.ok(p.startsWith(registryPath) || p.startsWith(profilesDir), `${label}: problem names no file: ${p}`);
    if (/not valid YAML/.test(p)) assert.match(p, /\[line \d+\]/, `${label}: YAML problem without a line: ${p}`);
    for (const k of KEYS) assert.not.ok(p.includes(k), `${label}: a key leaked into a problem: ${p}`);
  }
  return outcome;
}

function writeBoth(registry: Text, profile: Text): void {
  fs.writeFileSync(registryPath, registry, { mode: 0o600 });
  fs.writeFileSync(profilePath, profile);
}

test('the unmutated files load: five devices, the edge street light among them', () => {
  writeBoth(REGISTRY, PROFILE);
  const out = checkOutcome('base', REGISTRY, 'registry');
  assert.is(out.kind, 'loaded');
  if (out.kind !== 'loaded') return;
  assert.is(out.files.entries.length, 5);
  assert.is(out.files.entries.find((e) => e.name === 'street-light-edge')?.edge, true);
});

test('issue 18 case 2: an alias with no anchor (name: *room) and an alias bomb are refused with file and line', () => {
  writeBoth(REGISTRY.replace('name: room-climate-3', 'name: *room'), PROFILE);
  const out = checkOutcome('case 2 unresolved', '', 'registry');
  assert.is(out.kind, 'refused');
  if (out.kind !== 'refused') return;
  assert.match(out.err.problems[0], new RegExp(`^${registryPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\[line 18\\]: not valid YAML: alias \\*room refers to no anchor`));

  const started = Date.now();
  writeBoth(`${aliasBomb(9, 10)}\n${REGISTRY.replace('name: room-climate-3', 'name: *b9')}`, PROFILE);
  const bomb = checkOutcome('case 2 bomb', '', 'registry');
  assert.is(bomb.kind, 'refused');
  if (bomb.kind !== 'refused') return;
  assert.match(bomb.err.problems[0], /\[line \d+\]: not valid YAML: aliases expand to too many nodes/);
  assert.ok(Date.now() - started < 1000, 'refused at once, not after expanding 10^10 nodes');
});

test('thousands of aliases are refused before any is resolved', () => {
  const started = Date.now();
  writeBoth(`many: &m x\nalso: [${Array(5000).fill('*m').join(', ')}]\n${REGISTRY}`, PROFILE);
  const out = checkOutcome('many aliases', '', 'registry');
  assert.is(out.kind, 'refused');
  if (out.kind !== 'refused') return;
  assert.match(out.err.problems[0], /\[line 2\]: not valid YAML: more than 1000 aliases/);
  assert.ok(Date.now() - started < 1000);
});

test('issue 18 case 3: a registry truncated mid-entry is refused whole, never applied as 2 of 5 devices', () => {
  // Cut inside the third device's activation, as a half-finished copy leaves it.
  const cut = REGISTRY.indexOf(`nwkSKey: ${KEYS[4]}`) + 12;
  writeBoth(REGISTRY.slice(0, cut), PROFILE);
  const out = checkOutcome('case 3', '', 'registry');
  assert.is(out.kind, 'refused');
  if (out.kind !== 'refused') return;
  assert.match(out.err.problems.join('\n'), /entry 3 \(devEui 70b3d57ed0001003\) \[line \d+\]: activation\.nwkSKey: must be 32 hex digits/);
});

test('a broken local profile refuses the load and is named with its line', () => {
  writeBoth(REGISTRY, PROFILE.replace('class: C', 'class: [C'));
  const out = checkOutcome('profile', '', 'profile');
  assert.is(out.kind, 'refused');
  if (out.kind !== 'refused') return;
  assert.ok(out.err.problems.some((p) => p.startsWith(`${profilePath} [line `)), out.err.problems.join('\n'));
});

const runs = Number(process.env.LORA_EDGE_FUZZ_RUNS ?? 330);

test(`seeded mutations of devices.yaml and of a profile (${runs} runs each)`, () => {
  const seed = seedFromEnv('LORA_EDGE_FUZZ_SEED', 'registry fuzz');
  const r = seededRandom(seed);
  const names = Object.keys(MUTATIONS);
  const tally: Record<string, { loaded: number; refused: number }> = {};
  for (const target of ['registry', 'profile'] as const) {
    for (let i = 0; i < runs; i++) {
      // Round-robin over the operators so each is exercised; 1 in 5 runs stacks a second one.
      const ops = [names[i % names.length]];
      if (r.chance(0.2)) ops.push(r.pick(names));
      let text: Text = target === 'registry' ? REGISTRY : PROFILE;
      for (const op of ops) text = MUTATIONS[op](Buffer.isBuffer(text) ? text.toString('utf8') : text, r);
      if (target === 'registry') writeBoth(text, PROFILE);
      else writeBoth(REGISTRY, text);
      const label = `seed ${seed}, ${target} run ${i} (${ops.join(' + ')})`;
      const out = checkOutcome(label, text, target);
      const key = `${target}:${ops[0]}`;
      tally[key] ??= { loaded: 0, refused: 0 };
      tally[key][out.kind] += 1;
    }
  }
  // Each operator must have produced refusals: otherwise it does not test what it claims to.
  for (const [key, t] of Object.entries(tally)) {
    if (!/deleteLine|flipBits|truncate/.test(key)) assert.ok(t.refused > 0, `${key} never produced a refused file`);
  }
  console.log(`registry fuzz outcomes: ${JSON.stringify(tally)}`);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
