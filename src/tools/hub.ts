// `lora-edge hub ingest` (batches from the broker into a database, exactly once) and
// `lora-edge hub report` (uplinks and bytes per owner per day). See docs/hub/ingest.md.
import { hostname } from 'node:os';
import { createLogger } from '../log.js';
import { UsageError, parseCommandArgs, parseNumberOption, requireString } from '../command-args.js';
import { startIngest } from '../hub/ingest.js';
import { describeDbUrl, openStore, parseDbUrl } from '../hub/open-store.js';
import { EMPTY_OWNER_MAP, readOwnerMap } from '../hub/owner-map.js';
import { DEFAULT_DEDUP_WINDOW_MS } from '../hub/uplink-key.js';

const USAGE = 'usage: lora-edge hub ingest --url MQTT_URL --db DB_URL [...] | lora-edge hub report --db DB_URL [--day YYYY-MM-DD] [--json]';

function dbOption(value: unknown): string {
  const db = requireString(value, '--db');
  try {
    parseDbUrl(db);
  } catch (e) {
    throw new UsageError(`--db: ${(e as Error).message}`);
  }
  return db;
}

async function ingestCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    url: { type: 'string' },
    db: { type: 'string' },
    prefix: { type: 'string' },
    group: { type: 'string' },
    'client-id': { type: 'string' },
    'legacy-topics': { type: 'boolean' },
    protocol: { type: 'string' },
    registry: { type: 'string' },
    'window-minutes': { type: 'string' },
    'session-expiry': { type: 'string' },
    log: { type: 'string' },
  });
  const url = requireString(values.url, '--url');
  if (!/^mqtts?:\/\//.test(url)) throw new UsageError('--url must start with mqtt:// or mqtts://');
  const db = dbOption(values.db);
  const protocol = parseNumberOption(values.protocol, '--protocol', { integer: true }) ?? 5;
  if (protocol !== 4 && protocol !== 5) throw new UsageError('--protocol must be 4 (MQTT 3.1.1) or 5');
  const group = values.group ?? 'lora-edge-ingest';
  if (group && (protocol !== 5 || /[/+#]/.test(group))) {
    throw new UsageError(protocol !== 5 ? '--group needs --protocol 5 (use --group "" for a plain subscription)' : '--group must not contain / + or #');
  }
  const windowMs = (parseNumberOption(values['window-minutes'], '--window-minutes', { min: 0 }) ?? DEFAULT_DEDUP_WINDOW_MS / 60_000) * 60_000;
  const sessionExpirySeconds = parseNumberOption(values['session-expiry'], '--session-expiry', { min: 1, integer: true }) ?? 7 * 24 * 3600;
  const level = (values.log ?? 'info') as 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError('--log must be debug, info, warn or error');
  const log = createLogger({ level, destination: process.stderr });
  let owners = EMPTY_OWNER_MAP;
  if (values.registry) {
    try {
      owners = readOwnerMap(values.registry);
    } catch (e) {
      throw new UsageError(`--registry: ${(e as Error).message}`);
    }
  }
  const store = await openStore(db, { windowMs, owners, onError: (e) => log.warn({ err: e.message }, 'database connection lost') });
  const clientId = values['client-id'] ?? `lora-edge-ingest-${hostname()}`;
  log.info({ db: describeDbUrl(db), clientId, group, registryDevices: owners.size }, 'hub ingest starting');
  const ingest = startIngest({
    url,
    store,
    log,
    prefix: values.prefix ?? 'eu868',
    group,
    legacyTopics: values['legacy-topics'] === true,
    clientId,
    protocolVersion: protocol,
    sessionExpirySeconds,
  });
  let last = '';
  const timer = setInterval(() => {
    const now = JSON.stringify(ingest.counters);
    if (now !== last) log.info(ingest.counters, 'ingest counters');
    last = now;
  }, 10_000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  await ingest.stop();
  await store.close();
  log.info(ingest.counters, 'hub ingest stopped');
  return 0;
}

async function reportCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { db: { type: 'string' }, day: { type: 'string' }, json: { type: 'boolean' } });
  const db = dbOption(values.db);
  if (values.day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.day)) throw new UsageError('--day must be YYYY-MM-DD');
  const store = await openStore(db, { windowMs: DEFAULT_DEDUP_WINDOW_MS, owners: EMPTY_OWNER_MAP });
  try {
    const rows = await store.ownerDaily(values.day);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
      return 0;
    }
    const width = Math.max(5, ...rows.map((r) => r.owner.length));
    process.stdout.write(`${'day'.padEnd(10)}  ${'owner'.padEnd(width)}  ${'uplinks'.padStart(9)}  ${'bytes'.padStart(11)}\n`);
    for (const r of rows) {
      process.stdout.write(`${r.day}  ${r.owner.padEnd(width)}  ${String(r.uplinks).padStart(9)}  ${String(r.bytes).padStart(11)}\n`);
    }
    if (rows.length === 0) process.stdout.write(`(no uplinks${values.day ? ` on ${values.day}` : ''})\n`);
    return 0;
  } finally {
    await store.close();
  }
}

export async function hubCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'ingest') return ingestCommand(rest);
  if (sub === 'report') return reportCommand(rest);
  throw new UsageError(sub ? `unknown hub command "${sub}"; ${USAGE}` : USAGE);
}
