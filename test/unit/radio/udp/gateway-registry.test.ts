// Which gateway reported an uplink tmst: a delayed downlink must go back to the forwarder that heard
// the uplink, for at least the last TMST_OWNERS_KEPT uplinks, in bounded memory whatever is sent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type dgram from 'node:dgram';
import { GatewayRegistry, TMST_OWNERS_KEPT } from '../../../../src/radio/udp/gateway-registry.js';
import { seedFromEnv, seededRandom } from '../../../helpers/seeded-random.js';

const rinfo = (port: number): dgram.RemoteInfo => ({ address: '127.0.0.1', port, family: 'IPv4', size: 12 });

function registryWithGateways(euis: string[]): GatewayRegistry {
  const registry = new GatewayRegistry({ now: () => 1_000 });
  euis.forEach((eui, i) => registry.rememberPull({ type: 'PULL_DATA', version: 2, token: i, gatewayEui: eui }, rinfo(2000 + i), 1_000));
  return registry;
}

test('tmst owners: the last TMST_OWNERS_KEPT uplinks find their gateway, memory stays bounded (seeded)', () => {
  const random = seededRandom(seedFromEnv('LORA_EDGE_TMST_SEED', 'tmst owners'));
  const seed = random.seed;
  const euis = ['aa00000000000001', 'aa00000000000002', 'aa00000000000003', 'aa00000000000004'];
  const registry = registryWithGateways(euis);
  // tmst values repeat (a u32 counter, several concentrators): the latest report of a value wins.
  const history: Array<[number, string]> = [];
  const total = 5 * TMST_OWNERS_KEPT + random.int(0, TMST_OWNERS_KEPT);
  for (let i = 0; i < total; i++) {
    const tmst = random.chance(0.05) && history.length ? random.pick(history)[0] : random.int(0, 2 ** 32 - 1);
    const eui = random.pick(euis);
    registry.rememberTmstOwner(tmst, eui);
    history.push([tmst, eui]);
    assert.ok(registry.sizes().tmstOwners <= 2 * TMST_OWNERS_KEPT, `seed ${seed}: ${registry.sizes().tmstOwners} tmst owners held`);
  }
  const latest = new Map<number, string>();
  for (const [tmst, eui] of history.slice(-TMST_OWNERS_KEPT)) latest.set(tmst, eui);
  for (const [tmst, eui] of latest) {
    assert.is(registry.targetFor(tmst)?.gatewayEui, eui, `seed ${seed}: tmst ${tmst}`);
  }
});

test('tmst owners: an unknown tmst goes to the gateway that pulled last', () => {
  const registry = registryWithGateways(['bb00000000000001', 'bb00000000000002']);
  registry.rememberTmstOwner(42, 'bb00000000000001');
  assert.is(registry.targetFor(42)?.gatewayEui, 'bb00000000000001');
  assert.is(registry.targetFor(43)?.gatewayEui, 'bb00000000000002');
  assert.is(registry.targetFor(undefined)?.gatewayEui, 'bb00000000000002');
});

test.run();
