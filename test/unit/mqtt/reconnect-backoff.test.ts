import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nextReconnectDelay } from '../../../src/mqtt/reconnect-backoff.js';
import { seededRandom, seedFromEnv } from '../../helpers/seeded-random.js';

test('doubles from the minimum and never passes the cap, whatever the jitter', () => {
  const seed = seedFromEnv('LORA_EDGE_BACKOFF_SEED', 'reconnect back-off');
  const rng = seededRandom(seed);
  for (let run = 0; run < 200; run++) {
    const min = rng.int(10, 2000);
    const max = min + rng.int(0, 60_000);
    let d = min;
    for (let i = 0; i < 30; i++) {
      d = nextReconnectDelay(d, min, max, () => rng.next());
      assert.ok(d >= min && d <= max, `seed ${seed}: ${d} outside ${min}..${max}`);
    }
    // After enough failures the wait sits within the jitter band below the cap.
    assert.ok(d >= Math.min(max, Math.max(min, 0.8 * max)) - 1, `seed ${seed}: ${d} never grew towards ${max}`);
  }
});

test('without jitter it is the plain doubling', () => {
  const mid = () => 0.5;
  assert.is(nextReconnectDelay(1000, 1000, 5000, mid), 2000);
  assert.is(nextReconnectDelay(2000, 1000, 5000, mid), 4000);
  assert.is(nextReconnectDelay(4000, 1000, 5000, mid), 5000);
  assert.is(nextReconnectDelay(5000, 1000, 5000, mid), 5000);
});

test('jitter spreads gateways: the extremes are 80 % and 120 % of the doubled wait', () => {
  assert.is(nextReconnectDelay(1000, 100, 10_000, () => 0), 1600);
  assert.is(nextReconnectDelay(1000, 100, 10_000, () => 1), 2400);
});

test.run();
