// Log lines as a person and a machine see them: through a pseudo-terminal (`script`), `lora-edge run`
// writes pretty coloured lines (no colours with NO_COLOR); through a pipe, JSON lines; `log.format`
// forces either. Skipped with a clear line when util-linux `script` is missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommand, runCli } from '../helpers/cli.js';
import { freeTcpPort } from '../helpers/brokers.js';
import { freeUdpPort } from '../helpers/daemon.js';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const ESC = '\u001b[';

async function config(format: string): Promise<{ dir: string; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-logfmt-'));
  const path = join(dir, 'config.yaml');
  // Nothing listens on the broker port: the daemon runs, logs, and keeps uplinks in its outbox.
  writeFileSync(
    path,
    [
      'gateway: { id: "0016c001ff10a235" }',
      `sources: [{ type: udp, bind: "127.0.0.1:${await freeUdpPort()}" }]`,
      `mqtt: { url: "mqtt://127.0.0.1:${await freeTcpPort()}" }`,
      `storage: { dir: "${join(dir, 'data')}" }`,
      'ops: { http: { enabled: false } }',
      `log: { level: info, format: ${format} }`,
      '',
    ].join('\n'),
  );
  return { dir, path };
}

/**
 * Runs the daemon inside a pseudo-terminal until it says it is running, then types Ctrl-C (the
 * terminal turns it into SIGINT); returns what the terminal showed.
 */
function runInPty(configPath: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { exec, args } = cliCommand();
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // exec: the daemon replaces script's shell, so Ctrl-C reaches the daemon alone (a shell in between
  // may die of it first and take the terminal away before the daemon's last lines).
  const command = `exec ${[exec, ...args, 'run', '--config', configPath].map(quote).join(' ')}`;
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let interrupted = false;
    let retry: NodeJS.Timeout | undefined;
    const onData = (c: Buffer) => {
      out += c;
      if (!interrupted && /lora-edge running/.test(out)) {
        interrupted = true;
        // The daemon installs its signal handlers just after that line: a Ctrl-C within the same
        // millisecond would find none. Typed again if the daemon has not said it is stopping.
        const ctrlC = () => {
          if (!/stopping/.test(out) && child.exitCode === null) {
            child.stdin.write('\u0003');
            retry = setTimeout(ctrlC, 5000);
          }
        };
        retry = setTimeout(ctrlC, 200);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', () => {
      clearTimeout(timer);
      clearTimeout(retry);
      resolve(out);
    });
  });
}

const ptyTest = hasScript ? test : test.skip;
if (!hasScript) console.log('log-format: util-linux `script` is not installed; the pseudo-terminal cases are skipped');

ptyTest('on a terminal, format auto: one readable coloured line per event', async () => {
  const c = await config('auto');
  try {
    const out = await runInPty(c.path, { NO_COLOR: '', FORCE_COLOR: '', TERM: 'xterm-256color' });
    assert.ok(out.includes(ESC), `colours expected, got: ${out.slice(0, 300)}`);
    const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
    assert.match(plain, /\d\d:\d\d:\d\d\.\d{3}\] INFO: lora-edge running/);
    assert.match(plain, /INFO: stopping/, plain.slice(-600));
    assert.not.match(plain, /\{"level":/, 'no JSON line on the terminal');
  } finally {
    rmSync(c.dir, { recursive: true, force: true });
  }
});

ptyTest('on a terminal with NO_COLOR: pretty lines without colours', async () => {
  const c = await config('auto');
  try {
    const out = await runInPty(c.path, { NO_COLOR: '1', TERM: 'xterm-256color' });
    assert.match(out, /INFO: lora-edge running/);
    assert.not.ok(out.includes(ESC), 'no escape sequence with NO_COLOR');
    // One line per event, fields included (a warning's error text too).
    // The terminal echoes the Ctrl-C typed to stop the daemon.
    const lines = out.split(/\r?\n/).map((l) => l.replace(/^\^C/, '')).filter((l) => l.trim());
    for (const l of lines) assert.match(l, /^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): \S/, `one line per event: ${l}`);
    assert.match(out, /WARN: mqtt: .*"err":"connect ECONNREFUSED/);
  } finally {
    rmSync(c.dir, { recursive: true, force: true });
  }
});

ptyTest('on a terminal, format json: JSON lines all the same', async () => {
  const c = await config('json');
  try {
    const out = await runInPty(c.path, { TERM: 'xterm-256color' });
    const lines = out.split(/\r?\n/).filter((l) => l.startsWith('{'));
    assert.ok(lines.some((l) => JSON.parse(l).msg === 'lora-edge running'), out.slice(0, 300));
  } finally {
    rmSync(c.dir, { recursive: true, force: true });
  }
});

test('through a pipe, format auto: JSON lines (journald, log collectors)', async () => {
  const c = await config('auto');
  const { exec, args } = cliCommand();
  try {
    const r = await new Promise<string>((resolve) => {
      const child = spawn(exec, [...args, 'run', '--config', c.path], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let signalled = false;
      child.stdout.on('data', (d) => {
        out += d;
        if (/lora-edge running/.test(out) && !signalled) {
          signalled = true;
          setTimeout(() => child.kill('SIGINT'), 200);
        }
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', () => {
        clearTimeout(timer);
        resolve(out);
      });
    });
    const lines = r.trim().split('\n');
    for (const l of lines) JSON.parse(l);
    assert.ok(lines.some((l) => JSON.parse(l).msg === 'lora-edge running'));
    assert.ok(lines.some((l) => JSON.parse(l).msg === 'lora-edge stopped'), 'the last line is not lost at exit');
  } finally {
    rmSync(c.dir, { recursive: true, force: true });
  }
});

test('check-config refuses an unknown log.format', async () => {
  const c = await config('fancy');
  try {
    const r = await runCli(['check-config', '--config', c.path]);
    assert.is(r.code, 2);
    assert.match(r.stderr, /log\.format/);
  } finally {
    rmSync(c.dir, { recursive: true, force: true });
  }
});

test.run();
