// The hub client hands a message to every subscription whose filter matches its topic (MQTT `+`
// and `#`); the fleet's topics are matched this way.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { topicMatches } from '../../../src/mqtt/hub-client.js';
import { Topics, fleetBundleTopic, fleetSessionFilter, fleetSessionTopic, gatewayFleetTopic } from '../../../src/mqtt/chirpstack/topics.js';

test('+ matches one level, # the rest, nothing else', () => {
  assert.ok(topicMatches('eu868/fleet/session/+', 'eu868/fleet/session/00000000000a0003'));
  assert.not.ok(topicMatches('eu868/fleet/session/+', 'eu868/fleet/session/a/b'));
  assert.not.ok(topicMatches('eu868/fleet/session/+', 'eu868/fleet/session'));
  assert.ok(topicMatches('eu868/#', 'eu868/gateway/x/fleet/bundle'));
  assert.not.ok(topicMatches('eu868/fleet/bundle', 'eu868/fleet/bundle/x'));
  assert.not.ok(topicMatches('eu868/fleet/bundle', 'eu869/fleet/bundle'));
});

test('fleet topics', () => {
  const t = new Topics('eu868', '0016c001ff10a235');
  assert.is(fleetBundleTopic('eu868'), 'eu868/fleet/bundle');
  assert.is(fleetBundleTopic(''), 'fleet/bundle');
  assert.is(t.fleet('bundle'), 'eu868/gateway/0016c001ff10a235/fleet/bundle');
  assert.is(t.fleet('state'), gatewayFleetTopic('eu868', 'state', '0016c001ff10a235'));
  assert.ok(topicMatches(fleetSessionFilter('eu868'), fleetSessionTopic('eu868', '00000000000a0003')));
  assert.ok(topicMatches(t.fleetSessionFilter(), fleetSessionTopic('eu868', '00000000000a0003', '0016c001ff10a235')));
  assert.not.ok(topicMatches(t.fleetSessionFilter(), fleetSessionTopic('eu868', '00000000000a0003', 'ffffffffffffffff')));
});

test.run();
