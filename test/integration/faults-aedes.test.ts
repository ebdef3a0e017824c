// The fault harness against aedes (in a child process, so it can be frozen and killed): a seeded
// schedule of the faults aedes survives with its state (broker SIGSTOP/SIGCONT, daemon SIGKILL, link
// cuts). aedes keeps sessions in memory only, so a broker restart loses what it queued for the hub:
// restarts are exercised against mosquitto (test/system/faults-mosquitto.test.ts) and by the soak.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomSeed } from '../helpers/faults/prng.js';
import { runScenario } from '../helpers/faults/scenario.js';
import { makeSchedule } from '../helpers/faults/schedule.js';

test('aedes: seeded freezes, daemon kills and link cuts under traffic lose nothing', async () => {
  const seed = Number(process.env.LORA_EDGE_FAULT_SEED ?? randomSeed());
  const schedule = makeSchedule(seed, { trafficMs: 10_000, kinds: ['broker-pause', 'daemon-kill', 'proxy-cut'] });
  const r = await runScenario({
    broker: 'aedes',
    schedule,
    ratePerSecond: 200,
    daemonConfig: { mqtt: { reconnectMin: '200ms', reconnectMax: '2s' } },
    settleTimeoutMs: 45_000,
    keepDirOnFailure: true,
  });
  const line = `${r.description}: acked ${r.acked}, delivered ${r.delivered}, duplicates ${r.duplicates}, lost ${r.lost}, unflushed at daemon kill ${r.unflushedAtKill}`;
  console.log(line);
  // aedes may hand a reconnecting subscriber its queued messages after newer ones: order is
  // mosquitto's test; here every record must arrive.
  const problems = r.problems.filter((p) => !/out of order/.test(p));
  assert.equal(problems, [], `${line}\n${problems.join('\n')}`);
});

test.run();
