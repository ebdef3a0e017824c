// The daemon under a stand-in systemd: started through the real /usr/bin/lora-edge wrapper with
// NOTIFY_SOCKET and WATCHDOG_USEC set, it sends READY=1 once up, WATCHDOG=1 while alive, and
// STOPPING=1 on SIGTERM, all from its main PID.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/paths.js';
import { Receiver } from '../helpers/notify-receiver.js';
import { startAedes } from '../helpers/brokers.js';
import { freeUdpPort, TEST_GATEWAY_ID } from '../helpers/daemon.js';

test('READY after start, WATCHDOG while running, STOPPING on SIGTERM', async () => {
  assert.ok(existsSync(packagePath('dist', 'src', 'main.js')), 'the daemon is built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-notify-'));
  const broker = await startAedes();
  const socket = join(dir, 'notify.sock');
  const receiver = await Receiver.start(socket);
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `gateway: {id: "${TEST_GATEWAY_ID}"}\nsources: [{type: udp, bind: "127.0.0.1:${await freeUdpPort()}"}]\n` +
    `mqtt: {url: "${broker.url}"}\nstorage: {dir: "${join(dir, 'data')}"}\nops: {http: {enabled: false}}\nlog: {level: warn}\n`);
  const child = spawn(packagePath('systemd', 'lora-edge.sh'), ['run', '--config', config], {
    env: { ...process.env, LORA_EDGE_HOME: packagePath(), NOTIFY_SOCKET: socket, WATCHDOG_USEC: '400000' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  try {
    const deadline = Date.now() + 15_000;
    while (!receiver.datagrams.some((d) => /WATCHDOG=1/.test(d.text) ) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 600));
    const texts = receiver.datagrams.map((d) => d.text);
    assert.ok(texts[0].includes('READY=1'), `first message is READY: ${JSON.stringify(texts)} ${stderr}`);
    assert.ok(texts.filter((t) => t.includes('WATCHDOG=1')).length >= 2, 'watchdog pings every 200 ms');
    const pids = new Set(receiver.datagrams.map((d) => d.pid).filter((p) => p !== null));
    if (pids.size) assert.equal([...pids], [child.pid], 'every message from the main PID');
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    assert.is(code, 0, stderr);
    await receiver.waitFor(texts.length + 1);
    assert.ok(receiver.datagrams.some((d) => d.text.includes('STOPPING=1')), 'STOPPING on SIGTERM');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    receiver.stop();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
