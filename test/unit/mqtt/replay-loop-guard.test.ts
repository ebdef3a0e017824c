// ReplayLoopGuard: names the largest in-flight message only after `threshold` connections in a row
// closed while mqtt.js re-sent its store; small messages are never suspected.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReplayLoopGuard, SUSPECT_MIN_BYTES } from '../../../src/mqtt/replay-loop-guard.js';

test('the largest written message is the culprit after three failed re-sends in a row', () => {
  const g = new ReplayLoopGuard(3);
  const small = Buffer.alloc(100);
  const big = Buffer.alloc(50_000);
  const a = g.track('t', small, 120);
  const b = g.track('t', big, 50_030);
  g.packetSent({ cmd: 'publish', messageId: 1, topic: 't', payload: small });
  // A copy (mqtt.js clones packets it stores offline) is recognised by topic and content.
  g.packetSent({ cmd: 'publish', messageId: 2, topic: 't', payload: Buffer.from(big) });
  assert.is(a.messageId, 1);
  assert.is(b.messageId, 2);
  assert.is(g.closed(), undefined, 'a close outside a re-send says nothing');
  for (let i = 0; i < 2; i++) {
    g.connack();
    assert.is(g.closed(), undefined);
  }
  g.connack();
  assert.is(g.closed(), b);
  assert.equal(g.sentAtLeast(1000), [b]);
});

test('a completed connection resets the count; settled messages are forgotten; small ones never blamed', () => {
  const g = new ReplayLoopGuard(2);
  const p = Buffer.alloc(SUSPECT_MIN_BYTES - 100);
  const t = g.track('t', p, SUSPECT_MIN_BYTES - 1);
  g.packetSent({ cmd: 'publish', messageId: 9, topic: 't', payload: p });
  g.connack();
  g.closed();
  g.connack();
  g.connected();
  g.connack();
  assert.is(g.closed(), undefined, 'the count started again');
  g.connack();
  assert.is(g.closed(), undefined, 'below SUSPECT_MIN_BYTES nothing is blamed');
  g.settled(t);
  assert.equal(g.sentAtLeast(0), []);
});

test.run();
