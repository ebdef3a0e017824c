// Every topic in one place: ChirpStack's layout, the hub's sub-tree, the legacy switch, and the rule
// that nothing but ChirpStack's own event types ever sits under event/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Topics, batchFilter, hubFilter } from '../../../../src/mqtt/chirpstack/topics.js';

const GW = '0016c001ff10a235';

test('ChirpStack v4 layout and the hub sub-tree', () => {
  const t = new Topics('eu868', GW);
  assert.is(t.event('up'), `eu868/gateway/${GW}/event/up`);
  assert.is(t.state('conn'), `eu868/gateway/${GW}/state/conn`);
  assert.is(t.command('down'), `eu868/gateway/${GW}/command/down`);
  assert.is(t.hub('batch'), `eu868/gateway/${GW}/hub/batch`);
  assert.is(t.hub('device-ack'), `eu868/gateway/${GW}/hub/device-ack`);
  assert.is(t.hub('ack'), `eu868/gateway/${GW}/hub/ack`);
  assert.is(batchFilter('eu868'), 'eu868/gateway/+/hub/batch');
  assert.is(new Topics('', GW).hub('batch'), `gateway/${GW}/hub/batch`);
});

test('legacyHubTopics moves batches and device acks back under event/, never the hub\'s acknowledgements', () => {
  const t = new Topics('eu868', GW, { legacyHubTopics: true });
  assert.is(t.hub('batch'), `eu868/gateway/${GW}/event/batch`);
  assert.is(t.hub('device-ack'), `eu868/gateway/${GW}/event/device-ack`);
  // event/ack is ChirpStack's DownlinkTxAck: the hub's word must not land there.
  assert.is(t.hub('ack'), `eu868/gateway/${GW}/hub/ack`);
  assert.is(hubFilter('eu868', 'batch', '+', { legacyHubTopics: true }), 'eu868/gateway/+/event/batch');
});

test.run();
