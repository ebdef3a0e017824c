// Registry keys for edge mode: `edge: true/false` (absent follows edge.enabled) and a `class: A|C`
// override of the profile's class; anything else is refused with the key named.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadProfiles } from '../../../src/devices/profiles.js';
import { parseRegistry } from '../../../src/devices/registry.js';
import { buildDeviceIndex } from '../../../src/devices/device-index.js';
import type { DeviceCodec } from '../../../src/devices/device-codecs.js';

const profiles = loadProfiles().profiles;
const KEY = '000102030405060708090a0b0c0d0e0f';

function entry(devEui: string, profile: string, extra: string): string {
  return `  - devEui: "${devEui}"
    name: d-${devEui.slice(-2)}
    profile: ${profile}
    owner: city
${extra}    activation:
      joinEui: "0000000000000000"
      appKey: "${KEY}"
`;
}

test('edge and class parse; absent edge stays undefined; the class override replaces the profile class', () => {
  const text = `devices:
${entry('70b3d57ed0000001', 'nasys-ul20xx', '    edge: true\n    class: A\n')}${entry('70b3d57ed0000002', 'elsys-ers', '    edge: false\n')}${entry('70b3d57ed0000003', 'nasys-ul20xx', '')}`;
  const r = parseRegistry(text, profiles);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.problems, []);
  assert.equal(r.entries.map((e) => [e.edge, e.deviceClass]), [[true, 'A'], [false, undefined], [undefined, undefined]]);
  const stub: DeviceCodec = { name: 'x', decode: () => ({ data: null, warnings: [], errors: [] }), encode: () => ({ warnings: [], errors: [] }), dispose: () => {} };
  const codecs = new Map([['builtin:nasys-ul20xx', stub], ['builtin:elsys-ers', stub]]);
  const index = buildDeviceIndex(r.entries, codecs);
  assert.equal([...index.byDevEui.values()].map((d) => [d.devEui, d.edge, d.deviceClass]), [
    ['70b3d57ed0000001', true, 'A'],
    ['70b3d57ed0000002', false, 'A'],
    ['70b3d57ed0000003', undefined, 'C'],
  ]);
});

test('bad values are refused with the key named, and the registry with them', () => {
  const text = `devices:
${entry('70b3d57ed0000001', 'elsys-ers', '    edge: yes\n')}${entry('70b3d57ed0000002', 'elsys-ers', '    class: B\n')}`;
  const r = parseRegistry(text, profiles);
  assert.not.ok(r.ok);
  assert.equal(r.problems.map((p) => [p.entry, p.key, p.message]), [
    [1, 'edge', 'must be true or false'],
    [2, 'class', 'must be A or C (class B is not supported at the edge)'],
  ]);
});

test.run();
