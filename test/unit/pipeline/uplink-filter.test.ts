// The uplink filters (pipeline/uplink-filter.ts): property tests over random DevAddrs, JoinEUIs,
// prefixes and NetIDs against a bit-string reference (seeded; the seed is printed), plus the
// notation checks and the NetIDs of well-known networks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkUplink, compileCheckedFilter, compileFilter, devAddrInNetId, devAddrNetwork, netIdDevAddrPrefix, parsePrefix,
} from '../../../src/pipeline/uplink-filter.js';
import { seedFromEnv, seededRandom, type SeededRandom } from '../../helpers/seeded-random.js';

const rnd: SeededRandom = seededRandom(seedFromEnv('LORA_EDGE_FUZZ_SEED', 'uplink filter properties'));
const ROUNDS = 2000;

const hex = (n: bigint | number, digits: number) => n.toString(16).padStart(digits, '0');
const bitsOf = (h: string) => [...h].map((c) => parseInt(c, 16).toString(2).padStart(4, '0')).join('');
/** The reference: the first `bits` bits of both values are equal. */
const refMatch = (valueHex: string, prefixHex: string, bits: number) => bitsOf(valueHex).slice(0, bits) === bitsOf(prefixHex).slice(0, bits);

function randomDevAddr(): string {
  return rnd.bytes(4).toString('hex');
}

/** A prefix that matches `near` about half the time: its bits copied, then some flipped. */
function randomPrefix(near: string, width: 32 | 64): { text: string; hex: string; bits: number } {
  const bits = rnd.int(0, width);
  const source = rnd.chance(0.5) ? near : rnd.bytes(width / 8).toString('hex');
  let b = bitsOf(source).split('');
  if (rnd.chance(0.3) && bits > 0) {
    const i = rnd.int(0, bits - 1);
    b[i] = b[i] === '1' ? '0' : '1';
  }
  b = b.map((c, i) => (i < bits ? c : '0'));
  const h = hex(BigInt(`0b${b.join('') || '0'}`), width / 4);
  return { text: `${h}/${bits}`, hex: h, bits };
}

test('a DevAddr prefix matches exactly the DevAddrs whose leading bits equal it', () => {
  for (let i = 0; i < ROUNDS; i++) {
    const devAddr = randomDevAddr();
    const p = randomPrefix(devAddr, 32);
    const f = compileCheckedFilter({ netIds: [], devAddrPrefixes: [p.text], joinEuiPrefixes: [] });
    const expected = refMatch(devAddr, p.hex, p.bits);
    assert.is(checkUplink(f, { devAddr, joinEui: null }) === null, expected, `${devAddr} vs ${p.text} (seed ${rnd.seed})`);
    const x = compileCheckedFilter({ netIds: [], devAddrPrefixes: [`!${p.text}`], joinEuiPrefixes: [] });
    assert.is(checkUplink(x, { devAddr, joinEui: null }) === null, !expected, `${devAddr} vs !${p.text} (seed ${rnd.seed})`);
  }
});

test('several entries: some plain entry must match (if any), no "!" entry may', () => {
  for (let i = 0; i < ROUNDS; i++) {
    const devAddr = randomDevAddr();
    const entries = Array.from({ length: rnd.int(1, 5) }, () => ({ ...randomPrefix(devAddr, 32), exclude: rnd.chance(0.4) }));
    const includes = entries.filter((e) => !e.exclude);
    const expected =
      (includes.length === 0 || includes.some((e) => refMatch(devAddr, e.hex, e.bits))) &&
      !entries.some((e) => e.exclude && refMatch(devAddr, e.hex, e.bits));
    const f = compileCheckedFilter({ netIds: [], devAddrPrefixes: entries.map((e) => `${e.exclude ? '!' : ''}${e.text}`), joinEuiPrefixes: [] });
    const reason = checkUplink(f, { devAddr, joinEui: null });
    assert.is(reason === null, expected, `${devAddr} vs ${entries.map((e) => `${e.exclude ? '!' : ''}${e.text}`).join(' ')} (seed ${rnd.seed})`);
    if (!expected) assert.is(reason, 'dev_addr');
  }
});

test('JoinEUI prefixes (64 bits) concern join requests only', () => {
  for (let i = 0; i < ROUNDS; i++) {
    const joinEui = rnd.bytes(8).toString('hex');
    const p = randomPrefix(joinEui, 64);
    const exclude = rnd.chance(0.5);
    const f = compileCheckedFilter({ netIds: [], devAddrPrefixes: [], joinEuiPrefixes: [`${exclude ? '!' : ''}${p.text}`] });
    const expected = refMatch(joinEui, p.hex, p.bits) !== exclude;
    assert.is(checkUplink(f, { devAddr: null, joinEui }), expected ? null : 'join_eui', `${joinEui} vs ${p.text} (seed ${rnd.seed})`);
    assert.is(checkUplink(f, { devAddr: randomDevAddr(), joinEui: null }), null, 'a data frame passes JoinEUI filters');
  }
  const devOnly = compileCheckedFilter({ netIds: ['000013'], devAddrPrefixes: ['26000000/7'], joinEuiPrefixes: [] });
  assert.is(checkUplink(devOnly, { devAddr: null, joinEui: '70b3d57ed0000001' }), null, 'a join request passes DevAddr and NetID filters');
  assert.is(checkUplink(devOnly, { devAddr: null, joinEui: null }), null, 'a frame that is not LoRaWAN passes');
});

test('NetID of a DevAddr: a DevAddr built from a NetID is in it, and in no NetID of another type or NwkID', () => {
  const NWK_ID_BITS = [6, 6, 9, 11, 12, 13, 15, 17];
  for (let i = 0; i < ROUNDS; i++) {
    const type = rnd.int(0, 7);
    const netId = ((type << 21) | rnd.int(0, 0x1fffff)) >>> 0;
    const [prefixHex, bitsText] = netIdDevAddrPrefix(netId).split('/');
    const bits = Number(bitsText);
    assert.is(bits, type + 1 + NWK_ID_BITS[type]);
    // Any DevAddr under that prefix belongs to the NetID; the prefix and the NetID filter agree.
    const devAddr = hex((parseInt(prefixHex, 16) | (rnd.int(0, 2 ** 31) % 2 ** (32 - bits))) >>> 0, 8);
    assert.ok(devAddrInNetId(parseInt(devAddr, 16), netId), `${devAddr} in NetID ${hex(netId, 6)} (seed ${rnd.seed})`);
    assert.equal(devAddrNetwork(parseInt(devAddr, 16)), { type, nwkId: netId & ((1 << NWK_ID_BITS[type]) - 1) });
    const other = randomDevAddr();
    const byNetId = compileCheckedFilter({ netIds: [hex(netId, 6)], devAddrPrefixes: [], joinEuiPrefixes: [] });
    const byPrefix = compileCheckedFilter({ netIds: [], devAddrPrefixes: [`${prefixHex}/${bits}`], joinEuiPrefixes: [] });
    for (const d of [devAddr, other]) {
      assert.is(checkUplink(byNetId, { devAddr: d, joinEui: null }) === null, checkUplink(byPrefix, { devAddr: d, joinEui: null }) === null,
        `${d}: NetID ${hex(netId, 6)} and prefix ${prefixHex}/${bits} agree (seed ${rnd.seed})`);
    }
    const excluded = compileCheckedFilter({ netIds: [`!${hex(netId, 6)}`], devAddrPrefixes: [], joinEuiPrefixes: [] });
    assert.is(checkUplink(excluded, { devAddr, joinEui: null }), 'net_id');
  }
});

test('NetIDs of well-known networks and the DevAddr type table', () => {
  assert.is(netIdDevAddrPrefix(0x000013), '26000000/7'); // The Things Network
  assert.is(netIdDevAddrPrefix(0x00003c), '78000000/7');
  assert.is(netIdDevAddrPrefix(0x000000), '00000000/7');
  assert.is(netIdDevAddrPrefix(0x200001), '81000000/8');
  assert.ok(devAddrInNetId(0x26011bda, 0x000013));
  assert.ok(!devAddrInNetId(0x26011bda, 0x000012));
  assert.ok(!devAddrInNetId(0x26011bda, 0x200013), 'same NwkID, other type');
  assert.is(devAddrNetwork(0xff000000), null, 'eight leading ones: no NetID type');
  assert.equal(devAddrNetwork(0xfe000080), { type: 7, nwkId: 1 });
});

test('the notation: bad entries are problems naming the key, stray bits a warning', () => {
  const c = compileFilter({
    netIds: ['000013', '!00003c', '13', 'xyz123'],
    devAddrPrefixes: ['26000000/7', '!26011200/24', '260000/7', '26000000/33', '26000000', '26ffffff/8'],
    joinEuiPrefixes: ['70b3d57ed0000000/40', '70b3d57e/16', '!0000000000000000/65'],
  });
  assert.equal(c.problems.map((p) => `${p.key}[${p.index}]`), [
    'netIds[2]', 'netIds[3]', 'devAddrPrefixes[2]', 'devAddrPrefixes[3]', 'devAddrPrefixes[4]', 'joinEuiPrefixes[1]', 'joinEuiPrefixes[2]',
  ]);
  assert.match(c.problems[2].message, /8 hex digits/);
  assert.equal(c.warnings.map((w) => `${w.key}[${w.index}]`), ['devAddrPrefixes[5]']);
  assert.match(c.warnings[0].message, /"26000000\/8"/);
  const p = parsePrefix(' ! 26000000/7 ', 32);
  assert.ok(p.ok && p.rule.exclude && p.rule.bits === 7);
  assert.throws(() => compileCheckedFilter({ netIds: ['x'], devAddrPrefixes: [], joinEuiPrefixes: [] }), /netIds\[0\]/);
});

test('NetID before DevAddr: the reason names the first key that refused the frame', () => {
  const f = compileCheckedFilter({ netIds: ['000013'], devAddrPrefixes: ['!26011200/24'], joinEuiPrefixes: [] });
  assert.is(checkUplink(f, { devAddr: '78000001', joinEui: null }), 'net_id');
  assert.is(checkUplink(f, { devAddr: '260112aa', joinEui: null }), 'dev_addr');
  assert.is(checkUplink(f, { devAddr: '26011bda', joinEui: null }), null);
});

test.run();
