// How long a gateway takes to check and apply a 25,000-device fleet bundle, and its size on the wire.
// Built as the hub builds it (bundle-build.ts from devices.yaml + profiles/ with JavaScript codecs),
// then decoded (gunzip, JSON, shape, SHA-256, Ed25519), content-checked (profiles, every entry,
// every codec loaded in the sandbox) and applied to a real DeviceDirectory, as FleetSync does.
// The gateway's side runs in a child process under the daemon's own heap flags (main.ts's first
// line), so a bundle that does not fit a gateway's heap fails here. Seeded: same keys every run.
// Run: npm run bench:fleet [-- DEVICES]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle } from '../../src/fleet/bundle-build.js';
import { decodeBundle } from '../../src/fleet/bundle-format.js';
import { checkBundleContent } from '../../src/fleet/bundle-validation.js';
import { newEd25519KeyPair, trustedKeys } from '../../src/fleet/signing.js';
import { DeviceDirectory } from '../../src/devices/index.js';
import { silentLogger } from '../../src/log.js';
import { sharedSandboxEngine } from '../../src/codecs/sandbox/engine.js';
import { seededRandom } from '../../test/helpers/seeded-random.js';
import { packagePath } from '../../src/paths.js';
import { daemonNodeFlags } from '../../src/node-flags.js';
import { summaryLine } from './summary-line.js';

/** The gateway side runs with the daemon's V8 flags. */
const DAEMON_FLAGS = daemonNodeFlags(packagePath('dist', 'src', 'main.js'));

/** The gateway's side, in the child: decode, check and apply as FleetSync does; prints JSON. */
async function gatewaySide(wireFile: string, hubKey: string, stateDir: string): Promise<void> {
  const wire = readFileSync(wireFile);
  const directory = await DeviceDirectory.open({ stateDir, codecTimeLimitMs: 50, logger: silentLogger(), watch: false });
  // As FleetSync does: the sandbox stays up from the check to the apply.
  const engine = sharedSandboxEngine();
  engine.acquire();
  let t = performance.now();
  const decoded = decodeBundle(wire, { trusted: trustedKeys([hubKey]), limits: { maxWireBytes: 16 * 1024 * 1024, maxExpandedBytes: 64 * 1024 * 1024 } });
  const decodeMs = performance.now() - t;
  if (!decoded.ok) throw new Error(decoded.reasons.join('\n'));
  t = performance.now();
  const check = await checkBundleContent(decoded.bundle, null, { codecTimeLimitMs: 50 });
  const checkMs = performance.now() - t;
  if (!check.ok) throw new Error(check.reasons.join('\n'));
  t = performance.now();
  const applied = await directory.applyFleet(check.set);
  const applyMs = performance.now() - t;
  if (!applied.applied) throw new Error(applied.problems.join('\n'));
  engine.release();
  const mem = process.memoryUsage();
  await directory.close();
  const r = (n: number) => Math.round(n);
  console.log(JSON.stringify({ decodeMs: r(decodeMs), checkMs: r(checkMs), applyMs: r(applyMs), heapMiB: r(mem.heapUsed / 1048576), rssMiB: r(mem.rss / 1048576) }));
}

if (process.argv[2] === '--gateway') {
  await gatewaySide(process.argv[3], process.argv[4], process.argv[5]);
  process.exit(0);
}

const DEVICES = Number(process.argv[2] ?? 25_000);
const SEED = 15;

const rnd = seededRandom(SEED).next;
const hex = (bytes: number) => Array.from({ length: bytes }, () => Math.floor(rnd() * 256).toString(16).padStart(2, '0')).join('');
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

const root = mkdtempSync(join(tmpdir(), 'lora-edge-bench-fleet-'));
try {
  const dir = join(root, 'bundle');
  mkdirSync(join(dir, 'profiles', 'codecs'), { recursive: true });
  const models = ['city-light', 'parking-bay', 'air-station'];
  for (const [i, id] of models.entries()) {
    writeFileSync(
      join(dir, 'profiles', `${id}.yaml`),
      [`id: ${id}`, 'vendor: City', `model: M${i}`, `category: ${['streetlight', 'parking', 'air'][i]}`, `codec: ./codecs/${id}.js`, 'fPorts: [5]', 'class: A', 'region: EU868', 'description: bench', ''].join('\n'),
    );
    writeFileSync(join(dir, 'profiles', 'codecs', `${id}.js`), `function decodeUplink(input) { return { data: { model: ${i}, first: input.bytes[0] } }; }\n`);
  }
  const lines = ['devices:'];
  for (let i = 0; i < DEVICES; i++) {
    const devEui = (0x70b3d57e00000000n + BigInt(i)).toString(16).padStart(16, '0');
    lines.push(`  - devEui: "${devEui}"`, `    name: dev-${i}`, `    profile: ${models[i % 3]}`, `    owner: city-dept-${i % 7}`);
    if (i % 2 === 0) lines.push('    activation:', `      devAddr: "${(0x26000000 + i).toString(16)}"`, `      nwkSKey: "${hex(16)}"`, `      appSKey: "${hex(16)}"`);
    else lines.push('    activation:', `      joinEui: "70b3d57ed0000000"`, `      appKey: "${hex(16)}"`);
  }
  writeFileSync(join(dir, 'devices.yaml'), `${lines.join('\n')}\n`);

  const hub = newEd25519KeyPair();
  let t = performance.now();
  const built = buildBundle({ dir, version: 'bench', signKeyPem: hub.privatePem });
  const buildMs = performance.now() - t;

  const wireFile = join(root, 'bundle.json.gz');
  writeFileSync(wireFile, built.wire);
  const child = spawnSync(
    process.execPath,
    [...DAEMON_FLAGS, fileURLToPath(import.meta.url), '--gateway', wireFile, hub.publicBase64, join(root, 'state')],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`gateway side failed (exit ${child.status}, ${child.signal ?? 'no signal'}):\n${child.stderr.slice(-2000)}`);
  const g = JSON.parse(child.stdout.trim().split('\n').pop()!) as { decodeMs: number; checkMs: number; applyMs: number; heapMiB: number; rssMiB: number };

  console.log(`devices ${DEVICES} (half ABP, half OTAA), 3 profiles, 3 JavaScript codecs; seed ${SEED}`);
  console.log(`hub build (YAML read, sign, gzip): ${buildMs.toFixed(0)} ms`);
  console.log(`wire ${built.wire.length} bytes (${mb(built.wire.length)} MiB gzip), ${built.expandedBytes} bytes expanded (${mb(built.expandedBytes)} MiB)`);
  console.log(`gateway (${DAEMON_FLAGS.join(' ')}): decode+verify ${g.decodeMs} ms, content check ${g.checkMs} ms (sandbox start included), apply ${g.applyMs} ms`);
  console.log(`gateway heap used after apply ${g.heapMiB} MiB, RSS ${g.rssMiB} MiB`);
  const total = g.decodeMs + g.checkMs + g.applyMs;
  console.log(
    summaryLine('fleet-bundle', {
      devices: DEVICES, wireBytes: built.wire.length, expandedBytes: built.expandedBytes, decodeMs: g.decodeMs, checkMs: g.checkMs, applyMs: g.applyMs, totalMs: total, heapMiB: g.heapMiB,
    }),
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
