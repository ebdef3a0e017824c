// The bundle format: canonical form and hash, signatures, sealed devices, and every refusal with a
// clear reason (hostile inputs included: bad gzip, bad JSON, wrong types, a gzip bomb, a codec that
// does not load or loops at load, entries without owner or with malformed keys).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync } from 'node:zlib';
import { canonicalJson } from '../../../src/fleet/canonical-json.js';
import { decodeBundle, encodeBundle, makeEnvelope, BUNDLE_FORMAT, type BundleContent, type DecodeContext } from '../../../src/fleet/bundle-format.js';
import { checkBundleContent } from '../../../src/fleet/bundle-validation.js';
import { newEd25519KeyPair, sha256Of, trustedKeys } from '../../../src/fleet/signing.js';
import { newX25519KeyPair, seal, x25519PrivateKey } from '../../../src/fleet/sealed.js';

const LIMITS = { maxWireBytes: 1024 * 1024, maxExpandedBytes: 4 * 1024 * 1024 };
const NONE: DecodeContext = { trusted: [], limits: LIMITS };
const NWK = '7a1d3e5f60718293a4b5c6d7e8f90a1b';
const APP = '1b0a9fe8d7c6b5a4938271605f4e3d2c';

const PROFILE = ['id: city-light', 'vendor: City', 'model: L1', 'category: streetlight', 'codec: ./codecs/city-light.js', 'fPorts: [5]', 'class: A', 'region: EU868', 'description: t', ''].join('\n');
const CODEC = 'function decodeUplink(input) { return { data: { level: input.bytes[0] } }; }';

function device(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    devEui: (0x1000 + i).toString(16).padStart(16, '0'),
    name: `light-${i}`,
    profile: 'city-light',
    owner: 'city',
    activation: { devAddr: (0x26000000 + i).toString(16), nwkSKey: NWK, appSKey: APP },
    ...extra,
  };
}

function content(over: Partial<BundleContent> = {}): BundleContent {
  return {
    format: BUNDLE_FORMAT,
    formatVersion: 1,
    version: 'v1',
    scope: 'fleet',
    createdAt: '2026-12-06T12:00:00.000Z',
    profiles: [{ name: 'city-light.yaml', text: PROFILE }],
    codecs: [{ name: 'city-light.js', source: CODEC }],
    devices: [device(1), device(2)],
    ...over,
  };
}

function reasonsOf(wire: Buffer, ctx: DecodeContext = NONE): string[] {
  const d = decodeBundle(wire, ctx);
  assert.is(d.ok, false, 'refused');
  return d.ok ? [] : d.reasons;
}

test('canonical JSON sorts keys at every level and refuses what JSON cannot carry', () => {
  assert.is(canonicalJson({ b: 1, a: [{ d: 'x', c: null }] }), '{"a":[{"c":null,"d":"x"}],"b":1}');
  assert.is(sha256Of({ a: 1, b: 2 }), sha256Of({ b: 2, a: 1 }));
  assert.throws(() => canonicalJson({ a: Infinity }), /not finite/);
});

test('a good bundle decodes, its content checks, and the devices come out as registry entries', async () => {
  const d = decodeBundle(encodeBundle(makeEnvelope(content())), NONE);
  assert.ok(d.ok, JSON.stringify(d));
  if (!d.ok) return;
  const check = await checkBundleContent(d.bundle, null, { codecTimeLimitMs: 50 });
  assert.ok(check.ok, JSON.stringify(check));
  if (check.ok) {
    assert.is(check.set.entries.length, 2);
    assert.is(check.set.entries[0].profile.codecRef.kind, 'source');
    assert.is(check.set.entries[0].profile.origin, 'fleet');
  }
});

test('altered content fails the hash', () => {
  const env = makeEnvelope(content());
  env.bundle.version = 'v1-altered';
  assert.ok(reasonsOf(encodeBundle(env)).some((r) => /sha256 does not match/.test(r)));
});

test('signatures: required when keys are trusted, checked, and unknown keys named', () => {
  const hub = newEd25519KeyPair();
  const other = newEd25519KeyPair();
  const ctx: DecodeContext = { trusted: trustedKeys([hub.publicBase64]), limits: LIMITS };
  assert.ok(decodeBundle(encodeBundle(makeEnvelope(content(), hub.privatePem)), ctx).ok, 'signed by the trusted key');
  assert.ok(reasonsOf(encodeBundle(makeEnvelope(content())), ctx).some((r) => /not signed/.test(r)));
  assert.ok(reasonsOf(encodeBundle(makeEnvelope(content(), other.privatePem)), ctx).some((r) => r.includes(`signed by key ${other.keyId}, which is not in fleet.trustedKeys`)));
  const forged = makeEnvelope(content(), hub.privatePem);
  forged.signature!.ed25519 = makeEnvelope(content({ version: 'x' }), hub.privatePem).signature!.ed25519;
  assert.ok(reasonsOf(encodeBundle(forged), ctx).some((r) => /does not verify/.test(r)));
});

test('sealed devices open only with the gateway key they were sealed to', () => {
  const gw = newX25519KeyPair();
  const stranger = newX25519KeyPair();
  const c = content({ devices: undefined, sealedDevices: seal([device(1)], [gw.publicBase64]) as BundleContent['sealedDevices'] });
  const wire = encodeBundle(makeEnvelope(c));
  assert.not.ok(wire.toString('latin1').includes(NWK), 'no key in clear on the wire');
  const opened = decodeBundle(wire, { ...NONE, privateKey: x25519PrivateKey(gw.privatePem) });
  assert.ok(opened.ok && opened.bundle.devices.length === 1 && opened.bundle.sealed);
  assert.ok(reasonsOf(wire).some((r) => /no fleet.privateKeyFile/.test(r)));
  assert.ok(reasonsOf(wire, { ...NONE, privateKey: x25519PrivateKey(stranger.privatePem) }).some((r) => /not to this gateway's key/.test(r)));
});

test('hostile wire input is refused with a reason, never a throw', () => {
  assert.match(reasonsOf(Buffer.from([0x1f, 0x8b, 1, 2, 3]))[0], /not valid gzip/);
  assert.match(reasonsOf(gzipSync('{"bundle": '))[0], /not JSON/);
  assert.match(reasonsOf(gzipSync('[1,2]'))[0], /must be a JSON object/);
  assert.match(reasonsOf(Buffer.alloc(LIMITS.maxWireBytes + 1))[0], /accepts at most/);
  // A gzip bomb: small on the wire, huge once expanded.
  assert.match(reasonsOf(gzipSync(Buffer.alloc(LIMITS.maxExpandedBytes + 10, 0x20)))[0], /expands to more than/);
  const wrongTypes = makeEnvelope(content({ profiles: 'nope' as unknown as BundleContent['profiles'], formatVersion: 2 as 1 }));
  const r = reasonsOf(encodeBundle(wrongTypes));
  assert.ok(r.some((x) => /bundle\.profiles/.test(x)) && r.some((x) => /bundle\.formatVersion/.test(x)), r.join('\n'));
  const both = content({ sealedDevices: seal([], [newX25519KeyPair().publicBase64]) as BundleContent['sealedDevices'] });
  assert.ok(reasonsOf(encodeBundle(makeEnvelope(both))).some((x) => /exactly one of devices and sealedDevices/.test(x)));
});

test('content refusals: broken codec, codec looping at load, missing codec, no owner, malformed key, duplicate, unknown profile', async () => {
  const check = async (c: BundleContent) => {
    const d = decodeBundle(encodeBundle(makeEnvelope(c)), NONE);
    assert.ok(d.ok, JSON.stringify(d));
    const r = d.ok ? await checkBundleContent(d.bundle, null, { codecTimeLimitMs: 50 }) : null;
    assert.ok(r && !r.ok, 'refused');
    return r && !r.ok ? r.reasons : [];
  };
  assert.ok((await check(content({ codecs: [{ name: 'city-light.js', source: 'function decodeUplink( {' }] }))).some((r) => /codec city-light\.js does not load/.test(r)));
  assert.ok((await check(content({ codecs: [{ name: 'city-light.js', source: 'while (true) {}' }] }))).some((r) => /does not load.*did not finish|does not load/.test(r)));
  assert.ok((await check(content({ codecs: [{ name: 'city-light.js', source: 'throw new Error("boom at load")' }] }))).some((r) => /does not load.*boom at load/.test(r)));
  assert.ok((await check(content({ codecs: [] }))).some((r) => /codec file \.\/codecs\/city-light\.js is not in the bundle/.test(r)));
  const noOwner = device(3);
  delete noOwner.owner;
  assert.ok((await check(content({ devices: [noOwner] }))).some((r) => /owner/.test(r)));
  const badKey = await check(content({ devices: [device(4, { activation: { devAddr: '26000004', nwkSKey: 'abc', appSKey: APP } })] }));
  assert.ok(badKey.some((r) => /nwkSKey/.test(r)));
  assert.ok((await check(content({ devices: [device(5), device(5)] }))).some((r) => /duplicate/.test(r)));
  assert.ok((await check(content({ devices: [device(6, { profile: 'nope' })] }))).some((r) => /unknown profile "nope"/.test(r)));
  const all = await check(content({ devices: [device(4, { activation: { devAddr: '26000004', nwkSKey: NWK.slice(0, 30) + 'zz', appSKey: APP } })] }));
  for (const r of all) assert.not.ok(r.includes(APP) || r.includes(NWK.slice(0, 30)), `no key material in reasons: ${r}`);
});

test('a gateway bundle overrides and extends the fleet bundle', async () => {
  const fleet = decodeBundle(encodeBundle(makeEnvelope(content({ devices: [device(1), device(2)] }))), NONE);
  const gwContent = content({
    scope: 'gateway',
    gatewayId: '0016c001ff10a235',
    version: 'g1',
    profiles: [],
    codecs: [],
    devices: [device(2, { name: 'renamed' }), device(3)],
  });
  const gw = decodeBundle(encodeBundle(makeEnvelope(gwContent)), NONE);
  assert.ok(fleet.ok && gw.ok);
  if (!fleet.ok || !gw.ok) return;
  const r = await checkBundleContent(fleet.bundle, gw.bundle, { codecTimeLimitMs: 50 });
  assert.ok(r.ok, JSON.stringify(r));
  if (!r.ok) return;
  assert.equal(r.set.entries.map((e) => e.name).sort(), ['light-1', 'light-3', 'renamed']);
  assert.is(r.set.version, 'fleet v1 + gateway g1');
});

test.run();
