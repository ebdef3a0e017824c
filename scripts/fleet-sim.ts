// `npm run fleet-sim -- --gateways N --devices M --minutes T [--ingest 1,2,4] [--db sqlite|postgres] [--seed S]`
//
// A street of real lora-edge daemons (child processes) behind one mosquitto, simulated devices each
// heard by one to three of them, a broker outage and a gateway restart during the traffic.
//  1. Live: `lora-edge hub ingest` processes (--live, default 2, one $share group) run through the
//     traffic and the faults, as a city's hub would. Checked against what the devices sent.
//  2. Throughput: the gateways' batches, rebuilt from what phase 1 stored, are queued at the broker
//     for a fresh group (offline sessions) and database, then 1, 2 and 4 ingest processes drain
//     them; timed from their start until the last reception is committed.
// Prints rows, duplicates, missing, per-owner totals against the devices, throughput per process
// count, and a SUMMARY line. Exit 1 when anything is missing or duplicated.
//
//   --gateways N      daemons (default 10)          --devices M    simulated devices (default 200)
//   --minutes T       traffic time (default 1)      --period S     seconds between a device's uplinks (default 5)
//   --ingest 1,2,4    ingest process counts         --db sqlite|postgres (postgres reads LORA_EDGE_PG_URL)
//   --live N          ingest processes during the traffic (default 2)
//   --seed S          replay a run                  --keep         keep the run's directory
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { subscriptionTopic } from '../src/hub/ingest.js';
import { openStore } from '../src/hub/open-store.js';
import { EMPTY_OWNER_MAP } from '../src/hub/owner-map.js';
import { DEFAULT_DEDUP_WINDOW_MS } from '../src/hub/uplink-key.js';
import { packagePath } from '../src/paths.js';
import { startBrokerProcess } from '../test/helpers/faults/broker-process.js';
import { createDaemonProcess, type DaemonProcess } from '../test/helpers/faults/daemon-process.js';
import { FleetRadio, fleetRegistryYaml, makeFleet, type FleetFrame } from '../test/helpers/faults/fleet-radio.js';
import { prng, randomSeed } from '../test/helpers/faults/prng.js';
import { createTestDatabase } from '../test/helpers/hub-batches.js';

const { values } = parseArgs({
  options: {
    gateways: { type: 'string', default: '10' },
    devices: { type: 'string', default: '200' },
    minutes: { type: 'string', default: '1' },
    period: { type: 'string', default: '5' },
    ingest: { type: 'string', default: '1,2,4' },
    live: { type: 'string', default: '2' },
    db: { type: 'string', default: 'sqlite' },
    seed: { type: 'string' },
    keep: { type: 'boolean' },
  },
});
const gatewayCount = Number(values.gateways);
const deviceCount = Number(values.devices);
const trafficMs = Number(values.minutes) * 60_000;
const periodMs = Number(values.period) * 1000;
const ingestCounts = values.ingest!.split(',').map(Number);
const liveCount = Number(values.live);
const dbKind = values.db as 'sqlite' | 'postgres';
const seed = values.seed ? Number(values.seed) : randomSeed();
if (!(gatewayCount >= 1 && deviceCount >= 1 && trafficMs > 0 && periodMs > 0)) throw new Error('--gateways, --devices, --minutes and --period must be positive');
if (ingestCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--ingest must list whole numbers, e.g. 1,2,4');
if (dbKind !== 'sqlite' && dbKind !== 'postgres') throw new Error('--db must be sqlite or postgres');
const pgUrl = process.env.LORA_EDGE_PG_URL;
if (dbKind === 'postgres' && !pgUrl) throw new Error('--db postgres needs LORA_EDGE_PG_URL (.ci/postgres starts a cluster and prints it)');

const rng = prng(seed);
const dir = mkdtempSync(join(tmpdir(), 'lora-edge-fleet-'));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
log(`fleet-sim seed ${seed}: ${gatewayCount} gateways, ${deviceCount} devices every ${periodMs / 1000} s for ${trafficMs / 60_000} min, ingest ${ingestCounts.join(',')} into ${dbKind}; dir ${dir}`);

const broker = await startBrokerProcess('mosquitto', join(dir, 'broker'), {
  // Each offline shared-subscription member gets its own queue: lift the 1,000-message default.
  extraConfig: ['max_queued_messages 0', 'max_inflight_messages 20'],
});
const main = packagePath('dist', 'src', 'main.js');
const children: ChildProcess[] = [];
const daemons: DaemonProcess[] = [];
// Whatever goes wrong, no broker, daemon or ingest process outlives the run.
const cleanUp = () => {
  for (const d of daemons) if (d.pid) process.kill(d.pid, 'SIGKILL');
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  void broker.close();
};
process.once('SIGINT', () => {
  cleanUp();
  process.exit(130);
});
process.on('uncaughtException', (e) => {
  console.error(e);
  cleanUp();
  log(`run directory kept: ${dir}`);
  process.exit(1);
});
process.on('unhandledRejection', (e) => {
  throw e;
});

interface Db { url: string; file?: string; drop?: () => Promise<void> }
async function freshDb(name: string): Promise<Db> {
  if (dbKind === 'postgres') return createTestDatabase(pgUrl!);
  const file = join(dir, `${name}.db`);
  return { url: `sqlite:${file}`, file };
}

function spawnIngest(group: string, index: number, db: Db): ChildProcess {
  const c = spawn(process.execPath, [main, 'hub', 'ingest', '--url', broker.url, '--db', db.url, '--group', group, '--client-id', `${group}-${index}`, '--log', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  c.stderr!.on('data', (b: Buffer) => process.stderr.write(`  ${group}-${index}: ${b}`));
  children.push(c);
  return c;
}

async function stopAll(cs: ChildProcess[]): Promise<void> {
  for (const c of cs) c.kill('SIGTERM');
  await Promise.all(cs.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
}

/**
 * Waits until the database holds `target` receptions, or nothing changed for 20 s. `firstAt`: when
 * the first reception was seen (throughput is timed from there, not from the processes' start-up).
 */
async function waitForReceptions(db: Db, target: number, what: string, firstAt: { ms: number } = { ms: 0 }): Promise<number> {
  const probe = await openStore(db.url, { windowMs: DEFAULT_DEDUP_WINDOW_MS, owners: EMPTY_OWNER_MAP });
  let n = 0;
  let last = -1;
  let since = Date.now();
  try {
    for (;;) {
      n = (await probe.totals()).receptions;
      if (n > 0 && firstAt.ms === 0) firstAt.ms = Date.now();
      if (n >= target) return n;
      if (n !== last) [last, since] = [n, Date.now()];
      else if (Date.now() - since > 20_000) {
        log(`${what}: stuck at ${n} of ${target} receptions for 20 s`);
        return n;
      }
      await sleep(50);
    }
  } finally {
    await probe.close();
  }
}

/** Migrates before any timing, so throughput figures are ingest only. */
async function migrate(db: Db): Promise<void> {
  await (await openStore(db.url, { windowMs: DEFAULT_DEDUP_WINDOW_MS, owners: EMPTY_OWNER_MAP })).close();
}

interface Check { rows: number; receptions: number; duplicates: number; missing: number; ownersOk: boolean; ownerLines: string[] }
async function checkDb(db: Db, handedOver: FleetFrame[]): Promise<Check> {
  const payloadCounts = new Map<string, number>();
  const ownerRows: Array<{ owner: string; uplinks: number; bytes: number }> = [];
  let receptions = 0;
  if (!db.file) {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    for (const r of (await c.query('SELECT phy_payload, COUNT(*) AS n FROM uplinks GROUP BY phy_payload')).rows) payloadCounts.set(r.phy_payload, Number(r.n));
    for (const r of (await c.query('SELECT owner, SUM(uplinks) AS uplinks, SUM(bytes) AS bytes FROM owner_daily GROUP BY owner')).rows) {
      ownerRows.push({ owner: r.owner, uplinks: Number(r.uplinks), bytes: Number(r.bytes) });
    }
    receptions = Number((await c.query('SELECT COUNT(*) AS n FROM receptions')).rows[0].n);
    await c.end();
  } else {
    const Database = (await import('better-sqlite3')).default;
    const d = new Database(db.file, { readonly: true });
    for (const r of d.prepare('SELECT phy_payload, COUNT(*) AS n FROM uplinks GROUP BY phy_payload').all() as Array<{ phy_payload: string; n: number }>) payloadCounts.set(r.phy_payload, r.n);
    ownerRows.push(...(d.prepare('SELECT owner, SUM(uplinks) AS uplinks, SUM(bytes) AS bytes FROM owner_daily GROUP BY owner').all() as typeof ownerRows));
    receptions = (d.prepare('SELECT COUNT(*) AS n FROM receptions').get() as { n: number }).n;
    d.close();
  }
  const sentByOwner = new Map<string, { uplinks: number; bytes: number }>();
  for (const f of handedOver) {
    const o = sentByOwner.get(f.device.owner) ?? { uplinks: 0, bytes: 0 };
    o.uplinks += 1;
    o.bytes += f.bytes;
    sentByOwner.set(f.device.owner, o);
  }
  let ownersOk = true;
  const ownerLines = [`  ${'owner'.padEnd(12)} ${'sent'.padStart(8)} ${'in db'.padStart(8)} ${'bytes sent'.padStart(11)} ${'bytes db'.padStart(11)}`];
  for (const o of [...new Set([...sentByOwner.keys(), ...ownerRows.map((r) => r.owner)])].sort()) {
    const sent = sentByOwner.get(o) ?? { uplinks: 0, bytes: 0 };
    const got = ownerRows.find((r) => r.owner === o) ?? { uplinks: 0, bytes: 0 };
    const same = sent.uplinks === got.uplinks && sent.bytes === got.bytes;
    if (!same) ownersOk = false;
    ownerLines.push(`  ${o.padEnd(12)} ${String(sent.uplinks).padStart(8)} ${String(got.uplinks).padStart(8)} ${String(sent.bytes).padStart(11)} ${String(got.bytes).padStart(11)}${same ? '' : '  MISMATCH'}`);
  }
  return {
    rows: [...payloadCounts.values()].reduce((a, n) => a + n, 0),
    receptions,
    duplicates: [...payloadCounts.values()].reduce((a, n) => a + n - 1, 0),
    missing: handedOver.filter((f) => !payloadCounts.has(f.phyPayload)).length,
    ownersOk,
    ownerLines,
  };
}

/**
 * The gateways' batches again, rebuilt from what the live ingest stored (each reception's record as
 * received, per gateway in seq order, 50 a batch), for the throughput runs.
 */
async function batchesFromDb(db: Db): Promise<Array<{ topic: string; payload: Buffer }>> {
  let rows: Array<{ gateway_id: string; record: unknown }>;
  if (!db.file) {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    rows = (await c.query('SELECT gateway_id, record FROM receptions ORDER BY gateway_id, seq')).rows;
    await c.end();
  } else {
    const Database = (await import('better-sqlite3')).default;
    const d = new Database(db.file, { readonly: true });
    rows = (d.prepare('SELECT gateway_id, record FROM receptions ORDER BY gateway_id, seq').all() as Array<{ gateway_id: string; record: string }>).map((r) => ({
      gateway_id: r.gateway_id,
      record: JSON.parse(r.record),
    }));
    d.close();
  }
  const out: Array<{ topic: string; payload: Buffer }> = [];
  for (let i = 0; i < rows.length; ) {
    const gw = rows[i].gateway_id;
    const records: unknown[] = [];
    while (i < rows.length && rows[i].gateway_id === gw && records.length < 50) records.push(rows[i++].record);
    const seqs = records.map((r) => (r as { seq: number }).seq);
    const batch = { schemaVersion: 1, gatewayId: gw, batchId: `${seqs[0]}-${seqs[seqs.length - 1]}`, sentAt: new Date().toISOString(), records };
    out.push({ topic: `eu868/gateway/${gw}/hub/batch`, payload: Buffer.from(JSON.stringify(batch)) });
  }
  return out;
}

// --- Phase 1: the street, with faults, and a live hub ------------------------------------------
const liveDb = await freshDb('hub-live');
await migrate(liveDb);
const live = Array.from({ length: liveCount }, (_, i) => spawnIngest('fleet-live', i, liveDb));

const fleet = makeFleet(rng, deviceCount, gatewayCount, 5);
const registry = join(dir, 'registry.yaml');
writeFileSync(registry, fleetRegistryYaml(fleet, 'elsys-ers'), { mode: 0o600 });
const gatewayId = (g: number) => `0016c001ff1f${g.toString(16).padStart(4, '0')}`;
for (let g = 0; g < gatewayCount; g++) {
  const d = join(dir, `gw-${g}`);
  mkdirSync(d, { recursive: true });
  daemons.push(
    await createDaemonProcess({
      dir: d, gatewayId: gatewayId(g), brokerUrl: broker.url, logLevel: 'warn', compression: g % 2 ? 'gzip' : 'none',
      config: { devices: { registry }, batch: { maxRecords: 200 } },
    }),
  );
}
// Two at a time: ten node processes starting at once on a small machine miss their start deadline.
for (let g = 0; g < daemons.length; g += 2) await Promise.all(daemons.slice(g, g + 2).map((d) => d.start()));
log(`${gatewayCount} daemons and ${liveCount} live ingest processes running`);

const radio = new FleetRadio(rng, daemons.map((d) => d.udpPort));
await radio.open();
const nextAt = fleet.map(() => Date.now() + rng.int(0, periodMs));
const start = Date.now();
const restarted = rng.int(0, gatewayCount - 1);
const faults: Array<Promise<void>> = [];
let outageDone = false;
let restartDone = false;
while (Date.now() - start < trafficMs) {
  const now = Date.now();
  for (let i = 0; i < fleet.length; i++) {
    if (nextAt[i] <= now) {
      radio.send(fleet[i]);
      nextAt[i] += periodMs;
    }
  }
  if (!outageDone && now >= start + trafficMs * 0.3) {
    outageDone = true;
    log('fault: broker outage (SIGTERM, 5 s down)');
    faults.push(broker.term().then(async () => {
      await sleep(5000);
      await broker.start();
      log('broker back');
    }));
  }
  if (!restartDone && now >= start + trafficMs * 0.6) {
    restartDone = true;
    log(`fault: gateway ${gatewayId(restarted)} restart (SIGTERM, 3 s down)`);
    faults.push(daemons[restarted].stop().then(async () => {
      await sleep(3000);
      await daemons[restarted].start();
      log('gateway back');
    }));
  }
  await sleep(10);
}
await Promise.all(faults);
await sleep(500);
log(`traffic done: ${radio.frames.length} frames sent; waiting for the gateways to deliver their outboxes`);
const drainDeadline = Date.now() + 180_000;
let stored = 0;
for (;;) {
  const st = await Promise.all(daemons.map((d) => d.status()));
  const busy = st.filter((x) => !x || x.outbox.depth > 0 || x.forwarder.inflight > 0).length;
  stored = st.reduce((a, x) => a + (x ? x.outbox.nextSeq - 1 : 0), 0);
  if (busy === 0) break;
  if (Date.now() > drainDeadline) {
    log(`${busy} gateways still hold records after 180 s`);
    break;
  }
  await sleep(500);
}
await Promise.all(daemons.map((d) => d.stop()));
await radio.close();
const handedOver = radio.handedOver();
const pairs = handedOver.reduce((a, f) => a + [...f.acked.values()].filter(Boolean).length, 0);
log(`gateways stored ${stored} records; frames acknowledged by at least one gateway: ${handedOver.length} (${pairs} receptions)`);
await waitForReceptions(liveDb, stored, 'live ingest');
await stopAll(live);
const liveCheck = await checkDb(liveDb, handedOver);
const replay = await batchesFromDb(liveDb);
await liveDb.drop?.();
console.log(`\nlive ingest, ${liveCount} processes through the faults (${dbKind}): ${liveCheck.rows} uplink rows, ${liveCheck.receptions} receptions, ${liveCheck.duplicates} duplicates, ${liveCheck.missing} missing`);
console.log(liveCheck.ownerLines.join('\n'));

// --- Phase 2: ingest throughput from a backlog, 1, 2, 4 processes -------------------------------
log(`${replay.length} batches rebuilt from the live database; queueing them for each process count`);
interface Run { k: number; check: Check; seconds: number; perS: number }
const runs: Run[] = [];
const publisher = mqtt.connect(broker.url, { clientId: 'fleet-replay', protocolVersion: 5 });
await new Promise<void>((r) => publisher.once('connect', () => r()));
for (const k of ingestCounts) {
  const group = `fleet-bench-${k}`;
  for (let i = 0; i < k; i++) {
    const c = mqtt.connect(broker.url, { clientId: `${group}-${i}`, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 } });
    await new Promise<void>((r) => c.once('connect', () => r()));
    await c.subscribeAsync(subscriptionTopic('eu868', group, false), { qos: 1 });
    await c.endAsync();
  }
  for (let i = 0; i < replay.length; i += 200) {
    await Promise.all(replay.slice(i, i + 200).map((m) => publisher.publishAsync(m.topic, m.payload, { qos: 1 })));
  }
  const db = await freshDb(`hub-${k}`);
  await migrate(db);
  const procs = Array.from({ length: k }, (_, i) => spawnIngest(group, i, db));
  const first = { ms: 0 };
  const n = await waitForReceptions(db, stored, `ingest ${k}`, first);
  // From the first committed batch to the last: the processes' start-up (a second or more of
  // loading modules on a small machine) is not ingest time.
  const seconds = Math.max(0.001, (Date.now() - first.ms) / 1000);
  await stopAll(procs);
  const check = await checkDb(db, handedOver);
  await db.drop?.();
  runs.push({ k, check, seconds, perS: n / seconds });
  console.log(`\ningest with ${k} process${k > 1 ? 'es' : ''} (${dbKind}): ${check.rows} uplink rows, ${check.receptions} receptions, ${check.duplicates} duplicates, ${check.missing} missing, ${seconds.toFixed(1)} s, ${Math.round(n / seconds)} receptions/s${check.ownersOk ? ', owners match' : ''}`);
  if (!check.ownersOk) console.log(check.ownerLines.join('\n'));
}
await publisher.endAsync();
await broker.close();

const good = (c: Check) => c.missing === 0 && c.duplicates === 0 && c.ownersOk && c.receptions === stored;
const ok = good(liveCheck) && runs.every((r) => good(r.check));
console.log(
  `\nSUMMARY fleet-sim seed=${seed} db=${dbKind} gateways=${gatewayCount} devices=${deviceCount} uplinks_sent=${handedOver.length} ` +
    `receptions=${stored} live(${liveCount}, faults): rows=${liveCheck.rows} duplicates=${liveCheck.duplicates} missing=${liveCheck.missing} ` +
    `owners=${liveCheck.ownersOk ? 'match' : 'MISMATCH'} throughput: ` +
    runs.map((r) => `${r.k}proc=${Math.round(r.perS)}/s${good(r.check) ? '' : '(WRONG)'}`).join(' ') +
    ` ${ok ? 'OK' : 'FAILED'}`,
);
if (!values.keep && ok) rmSync(dir, { recursive: true, force: true });
else log(`run directory kept: ${dir}`);
process.exit(ok ? 0 : 1);
