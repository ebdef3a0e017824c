// `lora-edge fleet ...`: the hub side of fleet provisioning (docs/fleet.md). publish builds a bundle
// from a directory of registry, profiles and codecs, checks it exactly as a gateway would and
// publishes it retained; status lists what every gateway applied and flags stragglers; session hands
// a network-server session to the gateways; keygen makes the gateway and hub keys.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { gunzipSync } from 'node:zlib';
import mqtt, { type MqttClient } from 'mqtt';
import { UsageError, parseCommandArgs, parseNumberOption, requireString } from '../command-args.js';
import { fleetBundleTopic, fleetSessionTopic, gatewayFleetTopic } from '../mqtt/chirpstack/topics.js';
import { buildBundle } from '../fleet/bundle-build.js';
import { decodeBundle, type OpenedBundle } from '../fleet/bundle-format.js';
import { checkBundleContent } from '../fleet/bundle-validation.js';
import { makeSessionMessage, type SessionKeys10, type SessionKeys11 } from '../fleet/session-update.js';
import { parseFleetState, type FleetState } from '../fleet/fleet-state.js';
import { ed25519PrivateKey, newEd25519KeyPair } from '../fleet/signing.js';
import { newX25519KeyPair } from '../fleet/sealed.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** The gateway defaults (config fleet.maxBundleSize / maxExpandedSize) the check uses. */
const GATEWAY_LIMITS = { maxWireBytes: 16 * 1024 * 1024, maxExpandedBytes: 64 * 1024 * 1024 };

export async function fleetCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'publish':
      return publishCommand(rest);
    case 'status':
      return statusCommand(rest);
    case 'session':
      return sessionCommand(rest);
    case 'keygen':
      return keygenCommand(rest);
    default:
      throw new UsageError('usage: lora-edge fleet publish|status|session|keygen ... (see lora-edge --help)');
  }
}

const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  prefix: { type: 'string' },
  username: { type: 'string' },
  'password-file': { type: 'string' },
} as const;

function connectionOf(values: { url?: string; prefix?: string; username?: string; 'password-file'?: string }): { url: string; prefix: string; username?: string; password?: string } {
  const url = requireString(values.url, '--url');
  if (!/^mqtts?:\/\//.test(url)) throw new UsageError('--url must start with mqtt:// or mqtts://');
  const password = values['password-file'] ? fs.readFileSync(values['password-file'], 'utf8').trim() : process.env.LORA_EDGE_MQTT_PASSWORD;
  return { url, prefix: values.prefix ?? 'eu868', username: values.username, password };
}

async function connect(c: { url: string; username?: string; password?: string }): Promise<MqttClient> {
  const client = mqtt.connect(c.url, { clientId: `lora-edge-fleet-${process.pid}`, clean: true, protocolVersion: 4, username: c.username, password: c.password, reconnectPeriod: 0, connectTimeout: 10_000 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', (e) => reject(new Error(`cannot connect to ${c.url}: ${e.message}`)));
    client.once('close', () => reject(new Error(`cannot connect to ${c.url}`)));
  });
  return client;
}

/** Retained messages on the filters, gathered until none came for `quietMs` (or `maxMs`). */
async function readRetained(client: MqttClient, filters: string[], quietMs = 700, maxMs = 10_000): Promise<Map<string, Buffer>> {
  const got = new Map<string, Buffer>();
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    const hard = setTimeout(resolve, maxMs);
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        clearTimeout(hard);
        resolve();
      }, quietMs);
    };
    client.on('message', (topic, payload, packet) => {
      if (!packet.retain) return;
      got.set(topic, payload);
      arm();
    });
    client.subscribe(filters, { qos: 1 }, () => arm());
  });
  clearTimeout(timer);
  await new Promise<void>((r) => client.unsubscribe(filters, () => r()));
  client.removeAllListeners('message');
  return got;
}

function readKeyList(values: string[] | undefined): string[] {
  return (values ?? []).map((v) => (fs.existsSync(v) ? fs.readFileSync(v, 'utf8').trim() : v.trim()));
}

/** Heap the hub-side build needs for a large registry (the YAML parser holds the whole document). */
const PUBLISH_HEAP_MB = 2048;

/**
 * lora-edge runs with a gateway-sized heap (main.ts's first line); a hub building a bundle of tens
 * of thousands of devices needs more. Runs `fleet publish` again in a child with a larger heap.
 */
function rerunWithLargerHeap(args: string[]): Promise<number> | null {
  if (getHeapStatistics().heap_size_limit >= PUBLISH_HEAP_MB * 1024 * 1024 || process.env.LORA_EDGE_FLEET_REEXEC === '1') return null;
  const child = spawn(process.execPath, [`--max-old-space-size=${PUBLISH_HEAP_MB}`, process.argv[1], 'fleet', 'publish', ...args], {
    stdio: 'inherit',
    env: { ...process.env, LORA_EDGE_FLEET_REEXEC: '1' },
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

async function publishCommand(args: string[]): Promise<number> {
  const again = rerunWithLargerHeap(args);
  if (again) return again;
  const { values, positionals } = parseCommandArgs(
    args,
    {
      ...CONNECTION_OPTIONS,
      gateway: { type: 'string' },
      'sign-key': { type: 'string' },
      version: { type: 'string' },
      'encrypt-to': { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
      'codec-time-limit': { type: 'string' },
    },
    true,
  );
  if (positionals.length !== 1) throw new UsageError('give exactly one DIR (holding devices.yaml and profiles/)');
  const dir = positionals[0];
  const dryRun = values['dry-run'] === true;
  const conn = dryRun && !values.url ? null : connectionOf(values);
  const gatewayId = values.gateway?.toLowerCase();
  if (gatewayId !== undefined && !/^[0-9a-f]{16}$/.test(gatewayId)) throw new UsageError('--gateway must be 16 hex digits');
  const signKeyPem = values['sign-key'] ? fs.readFileSync(values['sign-key'], 'utf8') : undefined;
  const trusted = signKeyPem ? [ed25519PrivateKey(signKeyPem).publicRaw.toString('base64')] : [];
  const encryptTo = readKeyList(values['encrypt-to']);
  const codecTimeLimitMs = parseNumberOption(values['codec-time-limit'], '--codec-time-limit', { min: 1, integer: true }) ?? 50;
  const version = values.version ?? new Date().toISOString();
  const createdAt = new Date().toISOString();

  const started = Date.now();
  // Sealed devices are checked in clear here (the hub has them so); the gateway checks the same content.
  const clear = buildBundle({ dir, version, gatewayId, signKeyPem, createdAt });
  const built = encryptTo.length > 0 ? buildBundle({ dir, version, gatewayId, signKeyPem, createdAt, encryptTo }) : clear;
  const { trustedKeys } = await import('../fleet/signing.js');
  const decoded = decodeBundle(clear.wire, { trusted: trustedKeys(trusted), limits: GATEWAY_LIMITS });
  if (!decoded.ok) {
    err(`bundle refused (as a gateway would refuse it):\n  ${decoded.reasons.join('\n  ')}`);
    return 1;
  }
  let client: MqttClient | undefined;
  try {
    let fleet: OpenedBundle | null = null;
    if (gatewayId && conn) {
      // A gateway bundle is used together with the fleet-wide one: check them together.
      client = await connect(conn);
      const retained = await readRetained(client, [fleetBundleTopic(conn.prefix)]);
      const wire = retained.get(fleetBundleTopic(conn.prefix));
      if (wire) {
        const d = decodeBundle(wire, { trusted: [], limits: GATEWAY_LIMITS });
        if (d.ok && !d.bundle.sealed) fleet = d.bundle;
        else err('note: the retained fleet bundle could not be read here (sealed or invalid); the gateway bundle is checked alone');
      }
    }
    const check = await checkBundleContent(gatewayId ? fleet : decoded.bundle, gatewayId ? decoded.bundle : null, { codecTimeLimitMs });
    if (!check.ok) {
      err(`bundle refused (as a gateway would refuse it):\n  ${check.reasons.join('\n  ')}`);
      return 1;
    }
    if (built.wire.length > GATEWAY_LIMITS.maxWireBytes) {
      err(`bundle is ${built.wire.length} bytes compressed: above the gateways' default fleet.maxBundleSize (${GATEWAY_LIMITS.maxWireBytes}); raise it on every gateway first`);
      return 1;
    }
    const summary = {
      version,
      scope: gatewayId ? `gateway ${gatewayId}` : 'fleet',
      sha256: built.sha256,
      devices: check.set.entries.length,
      profiles: clear.content.profiles.length,
      codecs: clear.content.codecs.length,
      wireBytes: built.wire.length,
      expandedBytes: built.expandedBytes,
      signed: signKeyPem !== undefined,
      sealedTo: encryptTo.length,
      checkMs: Date.now() - started,
    };
    if (dryRun || !conn) {
      out(JSON.stringify({ ...summary, published: false }));
      return 0;
    }
    client ??= await connect(conn);
    const topic = gatewayId ? gatewayFleetTopic(conn.prefix, 'bundle', gatewayId) : fleetBundleTopic(conn.prefix);
    await client.publishAsync(topic, built.wire, { qos: 1, retain: true });
    out(JSON.stringify({ ...summary, published: true, topic }));
    return 0;
  } finally {
    await client?.endAsync().catch(() => undefined);
  }
}

function bundleSha(wire: Buffer | undefined): string | null {
  if (!wire || wire.length === 0) return null;
  try {
    const raw = wire[0] === 0x1f && wire[1] === 0x8b ? gunzipSync(wire) : wire;
    const v = JSON.parse(raw.toString('utf8')) as { sha256?: unknown; bundle?: { version?: unknown } };
    return typeof v.sha256 === 'string' ? v.sha256 : null;
  } catch {
    return null;
  }
}

async function statusCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, wait: { type: 'string' } });
  const conn = connectionOf(values);
  const quietMs = parseNumberOption(values.wait, '--wait', { min: 100, integer: true }) ?? 1000;
  const client = await connect(conn);
  let retained: Map<string, Buffer>;
  try {
    retained = await readRetained(client, [fleetBundleTopic(conn.prefix), gatewayFleetTopic(conn.prefix, 'bundle'), gatewayFleetTopic(conn.prefix, 'state')], quietMs);
  } finally {
    await client.endAsync().catch(() => undefined);
  }
  const fleetSha = bundleSha(retained.get(fleetBundleTopic(conn.prefix)));
  const rows: Array<{ state: FleetState; flags: string[] }> = [];
  for (const [topic, payload] of retained) {
    if (!topic.endsWith('/fleet/state')) continue;
    const state = parseFleetState(payload);
    if (!state) continue;
    const gwSha = bundleSha(retained.get(gatewayFleetTopic(conn.prefix, 'bundle', state.gatewayId)));
    const flags: string[] = [];
    if (fleetSha && state.fleet?.sha256 !== fleetSha) flags.push('STRAGGLER (fleet bundle)');
    if (gwSha && state.gateway?.sha256 !== gwSha) flags.push('STRAGGLER (gateway bundle)');
    if (state.refused && (state.refused.sha256 === fleetSha || state.refused.sha256 === gwSha || state.refused.sha256 === null)) flags.push('REFUSED');
    rows.push({ state, flags });
  }
  rows.sort((a, b) => a.state.gatewayId.localeCompare(b.state.gatewayId));
  const bad = rows.filter((r) => r.flags.length > 0).length;
  if (values.json) {
    out(JSON.stringify({ fleetBundle: fleetSha, gateways: rows.map((r) => ({ ...r.state, flags: r.flags })) }, null, 2));
  } else {
    out(`fleet bundle on the broker: ${fleetSha ? fleetSha.slice(0, 16) : 'none'}`);
    out(['gateway', 'fleet version', 'gateway version', 'devices', 'sessions', 'updated', 'flags'].join('\t'));
    for (const { state: s, flags } of rows) {
      out([s.gatewayId, s.fleet?.version ?? '-', s.gateway?.version ?? '-', String(s.devices), String(s.sessions), s.updatedAt, flags.join(', ') || 'ok'].join('\t'));
      if (flags.includes('REFUSED') && s.refused) for (const r of s.refused.reasons) out(`    refused ${s.refused.scope} ${s.refused.version ?? '?'}: ${r}`);
    }
    out(`${rows.length} gateways, ${bad} need attention`);
  }
  return bad > 0 ? 1 : 0;
}

async function sessionCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    ...CONNECTION_OPTIONS,
    file: { type: 'string' },
    'dev-eui': { type: 'string' },
    'dev-addr': { type: 'string' },
    lorawan: { type: 'string' },
    'nwk-skey': { type: 'string' },
    'app-skey': { type: 'string' },
    'fnwksint-key': { type: 'string' },
    'snwksint-key': { type: 'string' },
    'nwksenc-key': { type: 'string' },
    'fcnt-up': { type: 'string' },
    'joined-at': { type: 'string' },
    gateway: { type: 'string' },
    'sign-key': { type: 'string' },
    'encrypt-to': { type: 'string', multiple: true },
    remove: { type: 'boolean' },
  });
  const conn = connectionOf(values);
  // --file keeps the keys out of the process list: {devEui, devAddr, lorawan, keys, fCntUp, joinedAt}.
  const fromFile = values.file ? (JSON.parse(fs.readFileSync(values.file, 'utf8')) as Record<string, unknown>) : {};
  const devEui = String(fromFile.devEui ?? requireString(values['dev-eui'], '--dev-eui')).toLowerCase();
  if (!/^[0-9a-f]{16}$/.test(devEui)) throw new UsageError('--dev-eui must be 16 hex digits');
  const gatewayId = values.gateway?.toLowerCase();
  const topic = fleetSessionTopic(conn.prefix, devEui, gatewayId);
  const client = await connect(conn);
  try {
    if (values.remove) {
      await client.publishAsync(topic, Buffer.alloc(0), { qos: 1, retain: true });
      out(JSON.stringify({ devEui, topic, removed: true }));
      return 0;
    }
    const lorawan = String(fromFile.lorawan ?? values.lorawan ?? '1.0');
    if (lorawan !== '1.0' && lorawan !== '1.1') throw new UsageError('--lorawan must be 1.0 or 1.1');
    const keys: SessionKeys10 | SessionKeys11 =
      (fromFile.keys as SessionKeys10 | SessionKeys11 | undefined) ??
      (lorawan === '1.0'
        ? { nwkSKey: requireString(values['nwk-skey'], '--nwk-skey'), appSKey: requireString(values['app-skey'], '--app-skey') }
        : {
            fNwkSIntKey: requireString(values['fnwksint-key'], '--fnwksint-key'),
            sNwkSIntKey: requireString(values['snwksint-key'], '--snwksint-key'),
            nwkSEncKey: requireString(values['nwksenc-key'], '--nwksenc-key'),
            appSKey: requireString(values['app-skey'], '--app-skey'),
          });
    const fc = fromFile.fCntUp ?? (values['fcnt-up'] !== undefined ? parseNumberOption(values['fcnt-up'], '--fcnt-up', { min: 0, integer: true }) : null);
    const payload = makeSessionMessage({
      devEui,
      devAddr: String(fromFile.devAddr ?? requireString(values['dev-addr'], '--dev-addr')),
      lorawan,
      joinedAt: String(fromFile.joinedAt ?? values['joined-at'] ?? new Date().toISOString()),
      fCntUp: fc === null ? null : Number(fc),
      keys,
      encryptTo: readKeyList(values['encrypt-to']),
      signKeyPem: values['sign-key'] ? fs.readFileSync(values['sign-key'], 'utf8') : undefined,
    });
    // Checked as a gateway would (shape, key lengths) before it leaves.
    const { decodeSessionMessage } = await import('../fleet/session-update.js');
    const sealed = (values['encrypt-to'] ?? []).length > 0;
    if (!sealed) {
      const d = decodeSessionMessage(payload, { trusted: [] });
      if (!d.ok) {
        err(`session update refused (as a gateway would refuse it):\n  ${d.reasons.join('\n  ')}`);
        return 1;
      }
    }
    await client.publishAsync(topic, payload, { qos: 1, retain: true });
    out(JSON.stringify({ devEui, topic, bytes: payload.length, sealed }));
    return 0;
  } finally {
    await client.endAsync().catch(() => undefined);
  }
}

async function keygenCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { out: { type: 'string' }, sign: { type: 'boolean' } });
  const file = requireString(values.out, '--out');
  if (fs.existsSync(file)) throw new UsageError(`${file} exists; a key is never overwritten`);
  const pair = values.sign ? newEd25519KeyPair() : newX25519KeyPair();
  fs.writeFileSync(file, pair.privatePem, { mode: 0o600, flag: 'wx' });
  out(
    JSON.stringify({
      kind: values.sign ? 'hub signing key (Ed25519): put publicKey into every gateway\'s fleet.trustedKeys' : 'gateway key (X25519): set fleet.privateKeyFile to the file; give publicKey to the hub (--encrypt-to)',
      privateKeyFile: file,
      publicKey: pair.publicBase64,
      keyId: pair.keyId,
    }),
  );
  return 0;
}
