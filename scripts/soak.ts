// `npm run soak -- --minutes N`: runs seeded fault schedules against a real broker for N minutes and
// prints one row per seed (seed, faults, acknowledged, delivered, duplicates, lost) and a total.
// Replay one run exactly with `--seed S` (add the same --broker, --rate and --traffic-seconds).
//
//   --broker mosquitto|aedes|nats|all   (default mosquitto)
//   --rate N              uplinks per second (default 200)
//   --traffic-seconds N   traffic per schedule (default 20)
//   --kinds a,b           fault kinds (broker-term,broker-kill,broker-pause,daemon-kill,proxy-cut)
//   --backlog N           first fill N records with the broker down, restart it mid-drain
//   --log warn|info       daemon log level (default: chosen by the seed)
//   --faults K@AT/FOR,... a fixed schedule instead of the seed's, e.g. broker-term@2000/3000,broker-pause@6000/5000
//   --protocol 4|5        the daemon's mqtt.protocolVersion (default: the daemon's default, 5)
//   --backlog-fault K     the mid-drain fault: broker-term|broker-kill|broker-pause (default: by seed)
//   --hub-ack             the daemon runs with batch.hubAck (timeout 10 s), the hub acknowledges batches
import { parseArgs } from 'node:util';
import { brokerAvailable, type BrokerKind } from '../test/helpers/faults/broker-process.js';
import { randomSeed } from '../test/helpers/faults/prng.js';
import { runScenario, type ScenarioResult } from '../test/helpers/faults/scenario.js';
import { FAULT_KINDS, makeSchedule, parseFaults, type FaultKind } from '../test/helpers/faults/schedule.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    broker: { type: 'string', default: 'mosquitto' },
    rate: { type: 'string', default: '200' },
    'traffic-seconds': { type: 'string', default: '20' },
    kinds: { type: 'string' },
    seed: { type: 'string' },
    backlog: { type: 'string' },
    log: { type: 'string' },
    compression: { type: 'string' },
    faults: { type: 'string' },
    protocol: { type: 'string' },
    'backlog-fault': { type: 'string' },
    'hub-ack': { type: 'boolean' },
  },
});

const brokers: BrokerKind[] = values.broker === 'all' ? ['mosquitto', 'aedes', 'nats'] : [values.broker as BrokerKind];
for (const b of brokers) {
  if (!['mosquitto', 'aedes', 'nats'].includes(b)) throw new Error(`unknown broker ${b}`);
  if (!brokerAvailable(b)) throw new Error(`${b} is not installed`);
}
const kinds = (values.kinds?.split(',') ?? FAULT_KINDS) as FaultKind[];
for (const k of kinds) if (!FAULT_KINDS.includes(k)) throw new Error(`unknown fault kind ${k}; one of ${FAULT_KINDS.join(', ')}`);
const endAt = Date.now() + Number(values.minutes) * 60_000;
const rate = Number(values.rate);
const trafficMs = Number(values['traffic-seconds']) * 1000;
const backlog = values.backlog ? Number(values.backlog) : undefined;
const BACKLOG_FAULTS = ['broker-term', 'broker-kill', 'broker-pause'] as const;
type BacklogFault = (typeof BACKLOG_FAULTS)[number];
const backlogFault = values['backlog-fault'] as BacklogFault | undefined;
if (backlogFault && !BACKLOG_FAULTS.includes(backlogFault)) throw new Error(`unknown --backlog-fault ${backlogFault}; one of ${BACKLOG_FAULTS.join(', ')}`);
if (values.protocol && !['4', '5'].includes(values.protocol)) throw new Error('--protocol is 4 (MQTT 3.1.1) or 5');
const daemonConfig = values.protocol ? { mqtt: { protocolVersion: Number(values.protocol) } } : undefined;

const results: ScenarioResult[] = [];
const row = (cells: Array<string | number>) => console.log(cells.map((c, i) => String(c).padEnd(i === 1 ? 0 : [10, 10, 0, 9, 10, 11, 5, 9][i] ?? 8)).join(' '));
console.log(`soak: ${brokers.join(', ')}, ${rate} uplinks/s, ${trafficMs / 1000} s of traffic per seed, faults: ${values.faults ? `always ${values.faults}` : `seeded from ${kinds.join(', ')}`}${backlog ? `, backlog ${backlog}` : ''}`);
row(['broker', 'seed', 'faults', 'acked', 'delivered', 'duplicates', 'lost', 'drain/s', 'longest drain pause']);
let first = true;
while (first || Date.now() < endAt) {
  first = false;
  for (const broker of brokers) {
    const seed = values.seed ? Number(values.seed) : randomSeed();
    const schedule = makeSchedule(seed, {
      trafficMs,
      kinds,
      logLevel: values.log as 'warn' | 'info' | undefined,
      compression: values.compression as 'none' | 'gzip' | undefined,
    });
    if (values.faults) schedule.faults = parseFaults(values.faults);
    const r = await runScenario({
      broker,
      schedule,
      ratePerSecond: rate,
      keepDirOnFailure: true,
      backlog: backlog
        ? { records: backlog, faultAfterAcked: Math.floor(backlog / 2), fault: backlogFault ?? BACKLOG_FAULTS[seed % 3] }
        // broker-kill in the middle of a drain can lose, inside mosquitto, what it queued for a lagging hub.
        : undefined,
      log: process.env.SOAK_VERBOSE ? (l) => console.log(l) : undefined,
      daemonConfig,
      hubAck: values['hub-ack'] === true,
    });
    results.push(r);
    row([broker, seed, r.schedule.faults.length, r.acked, r.delivered, r.duplicates, r.lost, r.drainRatePerS ? Math.round(r.drainRatePerS) : '-',
      r.longestDrainPause ? `${r.longestDrainPause.ms} ms at ${r.longestDrainPause.atAcked}` : '-']);
    if (r.ok && r.keptLogs) console.log(`  logs kept in ${r.keptLogs}`);
    if (!r.ok) console.log(`  FAILED ${r.description}\n  ${r.problems.join('\n  ')}${r.missingSeqs.length ? `\n  missing seqs (first 50): ${r.missingSeqs.join(',')}` : ''}${r.keptLogs ? `\n  logs kept in ${r.keptLogs}` : ''}`);
  }
  if (values.seed) break;
}
for (const broker of brokers) {
  const rs = results.filter((r) => r.broker === broker);
  const sum = (f: (r: ScenarioResult) => number) => rs.reduce((a, r) => a + f(r), 0);
  console.log(
    `total ${broker}: ${rs.length} seeds, ${sum((r) => r.schedule.faults.length)} faults, ${sum((r) => r.acked)} acked, ` +
      `${sum((r) => r.delivered)} delivered, ${sum((r) => r.duplicates)} duplicates, ${sum((r) => r.lost)} lost, ` +
      `${sum((r) => r.unflushedAtKill)} unflushed at daemon SIGKILL, ${rs.filter((r) => !r.ok).length} failed`,
  );
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
