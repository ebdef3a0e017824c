// sd_notify: message format and watchdog interval (pure), the no-op when NOTIFY_SOCKET is unset,
// the systemd-notify fallback, and the real path: systemd/lora-edge.sh starting node with a socket
// connected to a unix datagram socket this test listens on, the datagrams arriving from the PID
// the wrapper was started as (what NotifyAccess=main checks).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNotifier, formatNotifyMessage, watchdogIntervalFromEnv } from '../../src/ops/sd-notify.js';
import { packagePath } from '../../src/paths.js';
import { Receiver } from '../helpers/notify-receiver.js';

const tmp = mkdtempSync(join(tmpdir(), 'lora-edge-'));

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('formatNotifyMessage: KEY=value lines, values kept to one line', () => {
  assert.is(formatNotifyMessage({ READY: '1', STATUS: 'up' }), 'READY=1\nSTATUS=up');
  assert.is(formatNotifyMessage({ STATUS: 'a\nb\r\nc' }), 'STATUS=a b c');
  assert.is(formatNotifyMessage({ EXTEND_TIMEOUT_USEC: 5_000_000 }), 'EXTEND_TIMEOUT_USEC=5000000');
  assert.throws(() => formatNotifyMessage({ 'BAD=KEY': 'x' }), /not a valid variable name/);
  assert.throws(() => formatNotifyMessage({ ready: '1' }), /not a valid variable name/);
});

test('watchdog interval: half of WATCHDOG_USEC, only for the PID it names', () => {
  assert.is(watchdogIntervalFromEnv({ WATCHDOG_USEC: '30000000' }, 42), 15_000);
  assert.is(watchdogIntervalFromEnv({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42), 15_000);
  assert.is(watchdogIntervalFromEnv({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '43' }, 42), undefined);
  assert.is(watchdogIntervalFromEnv({ WATCHDOG_USEC: '1000' }, 42), 1); // 0.5 ms rounds up to 1
  assert.is(watchdogIntervalFromEnv({}, 42), undefined);
  assert.is(watchdogIntervalFromEnv({ WATCHDOG_USEC: '0' }, 42), undefined);
  assert.is(watchdogIntervalFromEnv({ WATCHDOG_USEC: '30s' }, 42), undefined);
  assert.is(watchdogIntervalFromEnv({ WATCHDOG_USEC: '-5' }, 42), undefined);
});

test('without NOTIFY_SOCKET every call is a no-op', () => {
  const errors: Error[] = [];
  const n = createNotifier({ WATCHDOG_USEC: '30000000' }, { onError: (e) => errors.push(e), systemdNotifyPath: '/nonexistent/systemd-notify' });
  assert.is(n.transport, 'off');
  assert.is(n.watchdogIntervalMs, undefined);
  n.ready('x');
  n.watchdog();
  n.status('y');
  n.stopping();
  n.close();
  assert.equal(errors, []);
});

/** A stand-in systemd-notify that appends its arguments, one call per line, to a file. */
function fakeSystemdNotify(name: string): { program: string; log: string } {
  const log = join(tmp, `${name}.log`);
  const program = join(tmp, `${name}.sh`);
  writeFileSync(program, `#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> '${log}'\n`);
  chmodSync(program, 0o755);
  return { program, log };
}

async function waitForLines(file: string, count: number, timeoutMs = 5000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length >= count || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('without an inherited socket it falls back to systemd-notify --pid', async () => {
  const fake = fakeSystemdNotify('fallback');
  const n = createNotifier({ NOTIFY_SOCKET: '/run/test/notify' }, { pid: 4242, systemdNotifyPath: fake.program });
  assert.is(n.transport, 'systemd-notify');
  n.ready('up');
  assert.equal(await waitForLines(fake.log, 1), ['/run/test/notify --pid=4242 READY=1 STATUS=up']);
  n.watchdog();
  assert.equal((await waitForLines(fake.log, 2))[1], '/run/test/notify --pid=4242 WATCHDOG=1');
  n.close();
});

test('NOTIFY_SOCKET_FD that is not a socket, or is stdio, is not used', () => {
  const file = join(tmp, 'not-a-socket');
  writeFileSync(file, '');
  const fd = openSync(file, 'r');
  try {
    for (const value of [String(fd), '1', 'abc']) {
      const n = createNotifier({ NOTIFY_SOCKET: '/run/test/notify', NOTIFY_SOCKET_FD: value }, { systemdNotifyPath: '/nonexistent' });
      assert.is(n.transport, 'systemd-notify', `NOTIFY_SOCKET_FD=${value}`);
      n.close();
    }
  } finally {
    closeSync(fd);
  }
});

test('a missing systemd-notify is reported once, never thrown', async () => {
  const errors: Error[] = [];
  const n = createNotifier({ NOTIFY_SOCKET: '/run/test/notify' }, { systemdNotifyPath: join(tmp, 'nope'), onError: (e) => errors.push(e) });
  n.ready();
  n.watchdog();
  await new Promise((r) => setTimeout(r, 200));
  n.watchdog();
  await new Promise((r) => setTimeout(r, 100));
  assert.is(errors.length, 1);
  assert.match(errors[0].message, /cannot run systemd-notify/);
  n.close();
});

// ---- the real socket path ------------------------------------------------------------------

/**
 * A stand-in /opt/lora-edge whose dist/src/main.js drives the real notifier, so the test runs the
 * real wrapper. Its #! line carries a V8 flag the wrapper must pass on.
 */
function fakeApp(): string {
  const app = join(tmp, 'app');
  mkdirSync(join(app, 'dist', 'src'), { recursive: true });
  writeFileSync(join(app, 'package.json'), '{"type":"module"}\n');
  const self = fileURLToPath(import.meta.url);
  const fromSource = self.endsWith('.ts');
  const moduleUrl = new URL(`../../src/ops/sd-notify.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;
  const flags = `--max-old-space-size=77${fromSource ? ' --import tsx' : ''}`;
  writeFileSync(
    join(app, 'dist', 'src', 'main.js'),
    `#!/usr/bin/env -S node ${flags}
import { createNotifier } from ${JSON.stringify(moduleUrl)};
const n = createNotifier(process.env, { onError: (e) => console.error(e.message) });
console.log(JSON.stringify({ pid: process.pid, transport: n.transport, interval: n.watchdogIntervalMs, args: process.argv.slice(2), execArgv: process.execArgv }));
n.ready('serving');
n.watchdog();
n.status('3 sources');
n.stopping();
n.close();
n.watchdog(); // after close: dropped
`,
  );
  return app;
}

async function runWrapper(app: string, notifySocket: string): Promise<{ pid: number; report: Record<string, unknown>; stderr: string; code: number | null }> {
  const child = spawn(packagePath('systemd', 'lora-edge.sh'), ['run', '--config', '/etc/lora-edge/config.yaml'], {
    cwd: packagePath(), // --import tsx resolves from here
    env: { ...process.env, LORA_EDGE_HOME: app, NOTIFY_SOCKET: notifySocket, WATCHDOG_USEC: '30000000', NOTIFY_SOCKET_FD: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `the fake daemon printed nothing; stderr:\n${stderr}`);
  return { pid: child.pid!, report: JSON.parse(line) as Record<string, unknown>, stderr, code };
}

const EXPECTED = ['READY=1\nSTATUS=serving', 'WATCHDOG=1', 'STATUS=3 sources', 'STOPPING=1'];

async function checkWrapperDelivers(address: string): Promise<void> {
  const receiver = await Receiver.start(address);
  try {
    const run = await runWrapper(fakeApp(), address);
    assert.is(run.code, 0, run.stderr);
    // exec all the way: the PID systemd would see as main PID is the node process itself
    assert.is(run.report.pid, run.pid);
    assert.is(run.report.transport, 'socket-fd');
    assert.is(run.report.interval, 15_000);
    assert.equal(run.report.args, ['run', '--config', '/etc/lora-edge/config.yaml']);
    assert.ok((run.report.execArgv as string[]).includes('--max-old-space-size=77'), 'V8 flags from the #! line were not passed');
    const got = await receiver.waitFor(EXPECTED.length);
    await new Promise((r) => setTimeout(r, 100)); // nothing more may follow (the post-close watchdog)
    assert.equal(got.map((d) => d.text), EXPECTED);
    for (const d of got) if (d.pid !== null) assert.is(d.pid, run.pid, 'datagram not sent by the main PID');
  } finally {
    receiver.stop();
  }
}

test('the wrapper hands node a connected socket: READY, WATCHDOG, STATUS, STOPPING from the main PID', async () => {
  await checkWrapperDelivers(join(tmp, 'notify.sock'));
});

test('abstract NOTIFY_SOCKET (@name) works too', async () => {
  await checkWrapperDelivers(`@lora-edge-test-${process.pid}-${Date.now()}`);
});

test('an unreachable NOTIFY_SOCKET does not stop the daemon from starting', async () => {
  const run = await runWrapper(fakeApp(), join(tmp, 'nobody-listens.sock'));
  assert.is(run.code, 0);
  assert.match(run.stderr, /cannot connect to NOTIFY_SOCKET/);
  assert.is(run.report.transport, 'systemd-notify'); // the fallback; systemd would reject it, but node runs
});

test.run();
