// scripts/install.sh into a staging root (--root): the installed tree, an upgrade that keeps the
// operator's configuration, and --uninstall keeping configuration and data. It runs from a copy of
// the checkout (dist/, node_modules/ and the profiles linked in) so it never builds in this one,
// and with --skip-npm so it needs no registry.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'lora-edge-'));
const checkout = join(tmp, 'checkout');
const root = join(tmp, 'root');
const inRoot = (...parts: string[]) => join(root, ...parts);

test.before(() => {
  assert.ok(existsSync(packagePath('dist', 'src', 'main.js')), 'dist/ is missing: run npm run build first');
  mkdirSync(join(checkout, 'scripts'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json', 'README.md']) copyFileSync(packagePath(f), join(checkout, f));
  copyFileSync(packagePath('scripts', 'install.sh'), join(checkout, 'scripts', 'install.sh'));
  chmodSync(join(checkout, 'scripts', 'install.sh'), 0o755);
  cpSync(packagePath('systemd'), join(checkout, 'systemd'), { recursive: true });
  for (const d of ['dist', 'node_modules', 'docs']) symlinkSync(packagePath(d), join(checkout, d));
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

function install(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync('bash', [join(checkout, 'scripts', 'install.sh'), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function printConfig(): string {
  const r = spawnSync(process.execPath, [packagePath('dist', 'src', 'main.js'), 'print-config'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}

const mode = (p: string) => statSync(p).mode & 0o777;

test('--help names the options', () => {
  const r = install('--help');
  assert.is(r.code, 0);
  for (const opt of ['--root DIR', '--uninstall', '--skip-npm']) assert.ok(r.out.includes(opt), `--help does not mention ${opt}`);
});

test('an unknown option is refused', () => {
  const r = install('--frobnicate');
  assert.is(r.code, 1);
  assert.match(r.out, /unknown option: --frobnicate/);
});

test('without --root it needs root', () => {
  let r: { status: number | null; stdout: string; stderr: string };
  if (process.getuid?.() === 0) {
    const probe = spawnSync('setpriv', ['--version'], { stdio: 'ignore' });
    if (probe.error) {
      console.log('SKIP the non-root check: running as root and setpriv is missing');
      return;
    }
    chmodSync(tmp, 0o755); // let the unprivileged user reach the script
    r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'bash', join(checkout, 'scripts', 'install.sh')], { encoding: 'utf8' });
  } else {
    r = spawnSync('bash', [join(checkout, 'scripts', 'install.sh')], { encoding: 'utf8' });
  }
  assert.is(r.status, 1);
  assert.match(r.stderr, /needs root: sudo .*install\.sh .*--root DIR/);
});

test('installs the app, command, unit, config and directories into the staging root', () => {
  const r = install('--root', root, '--skip-npm');
  assert.is(r.code, 0, r.out);

  // the application
  const app = inRoot('opt', 'lora-edge');
  assert.equal(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).name, 'lora-edge');
  assert.ok(existsSync(join(app, 'package-lock.json')));
  assert.ok(existsSync(join(app, 'dist', 'src', 'main.js')));
  assert.not.ok(existsSync(join(app, 'dist', 'test')), 'tests are not shipped');
  // Shipped device profiles are derived from the built-in codecs in dist/src (issue 12).
  assert.ok(existsSync(join(app, 'dist', 'src', 'codecs', 'builtin', 'elsys-ers.js')));
  assert.ok(existsSync(join(app, 'docs', 'hub', 'batch.schema.json')));
  assert.ok(lstatSync(join(app, 'dist', 'src')).isDirectory(), 'dist/src copied, not linked');
  // production packages only
  for (const dep of ['mqtt', 'level', 'serialport', 'zod', 'pino']) assert.ok(existsSync(join(app, 'node_modules', dep, 'package.json')), `${dep} missing`);
  for (const dev of ['typescript', 'tsx', 'uvu', 'ajv', 'lora-packet']) assert.not.ok(existsSync(join(app, 'node_modules', dev)), `dev package ${dev} installed`);

  // the command, pointing at the node that ran the install
  const bin = inRoot('usr', 'bin', 'lora-edge');
  assert.ok(mode(bin) & 0o111, '/usr/bin/lora-edge is not executable');
  const node = spawnSync('bash', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim();
  assert.match(readFileSync(bin, 'utf8'), new RegExp(`^NODE=${node.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));

  // the unit, enabled for multi-user.target
  assert.is(readFileSync(inRoot('etc', 'systemd', 'system', 'lora-edge.service'), 'utf8'), readFileSync(packagePath('systemd', 'lora-edge.service'), 'utf8'));
  assert.is(readlinkSync(inRoot('etc', 'systemd', 'system', 'multi-user.target.wants', 'lora-edge.service')), '/etc/systemd/system/lora-edge.service');
  assert.match(readFileSync(inRoot('usr', 'lib', 'sysusers.d', 'lora-edge.conf'), 'utf8'), /^u lora-edge /m);
  assert.match(readFileSync(inRoot('usr', 'lib', 'sysusers.d', 'lora-edge.conf'), 'utf8'), /^m lora-edge dialout$/m);
  assert.match(readFileSync(inRoot('usr', 'lib', 'tmpfiles.d', 'lora-edge.conf'), 'utf8'), /^z \/etc\/lora-edge\/config\.yaml 0640 root lora-edge/m);

  // configuration from the template, data directory
  const config = inRoot('etc', 'lora-edge', 'config.yaml');
  assert.is(readFileSync(config, 'utf8'), printConfig());
  assert.is(mode(config), 0o640);
  assert.ok(existsSync(inRoot('etc', 'lora-edge', 'lora-edge.env.example')));
  assert.ok(statSync(inRoot('var', 'lib', 'lora-edge')).isDirectory());

  // staging touches nothing on this system: it says what it left for the target
  assert.match(r.out, /would create system user lora-edge/);
  assert.match(r.out, /wrote \/etc\/lora-edge\/config\.yaml from the template/);
  assert.not.ok(existsSync(inRoot('opt', 'lora-edge.new')));
});

test('the installed command runs the installed app', () => {
  const r = spawnSync(inRoot('usr', 'bin', 'lora-edge'), ['check-config', '--config', inRoot('etc', 'lora-edge', 'config.yaml')], {
    encoding: 'utf8',
    env: { ...process.env, LORA_EDGE_HOME: inRoot('opt', 'lora-edge') },
  });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /configuration is valid/);
});

test('a second run upgrades in place and keeps the operator\'s configuration', () => {
  const config = inRoot('etc', 'lora-edge', 'config.yaml');
  const edited = readFileSync(config, 'utf8').replace('0016c001ff10a235', 'b827ebfffe000001') + '# edited by the technician\n';
  writeFileSync(config, edited);
  const stale = inRoot('opt', 'lora-edge', 'dist', 'src', 'left-over-from-old-version.js');
  writeFileSync(stale, '');

  const r = install('--root', root, '--skip-npm');
  assert.is(r.code, 0, r.out);
  assert.is(readFileSync(config, 'utf8'), edited);
  assert.match(r.out, /kept your \/etc\/lora-edge\/config\.yaml/);
  assert.match(r.out, /upgraded \/opt\/lora-edge/);
  assert.not.ok(existsSync(stale), 'the old application tree was not replaced');
  assert.ok(existsSync(inRoot('opt', 'lora-edge', 'dist', 'src', 'main.js')));
  assert.not.ok(existsSync(inRoot('opt', 'lora-edge.old')));
  assert.not.ok(existsSync(inRoot('opt', 'lora-edge.new')));
});

test('--uninstall removes app, command and unit, keeps configuration and data', () => {
  const config = inRoot('etc', 'lora-edge', 'config.yaml');
  const before = readFileSync(config, 'utf8');
  const data = inRoot('var', 'lib', 'lora-edge', 'outbox-marker');
  writeFileSync(data, 'records not yet sent');

  const r = install('--uninstall', '--root', root);
  assert.is(r.code, 0, r.out);
  for (const gone of [
    ['opt', 'lora-edge'],
    ['usr', 'bin', 'lora-edge'],
    ['etc', 'systemd', 'system', 'lora-edge.service'],
    ['etc', 'systemd', 'system', 'multi-user.target.wants', 'lora-edge.service'],
    ['usr', 'lib', 'sysusers.d', 'lora-edge.conf'],
    ['usr', 'lib', 'tmpfiles.d', 'lora-edge.conf'],
  ]) {
    assert.not.ok(existsSync(inRoot(...gone)) || isLink(inRoot(...gone)), `/${gone.join('/')} is still there`);
  }
  assert.is(readFileSync(config, 'utf8'), before);
  assert.is(readFileSync(data, 'utf8'), 'records not yet sent');
  assert.match(r.out, /kept \/etc\/lora-edge \(configuration\), \/var\/lib\/lora-edge/);

  // again: nothing left to remove is not an error
  assert.is(install('--uninstall', '--root', root).code, 0);
});

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

test.run();
