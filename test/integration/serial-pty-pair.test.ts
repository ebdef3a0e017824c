// The socat pty pair used by the serial tests: bytes flow both ways; kill/restart look like unplug/replug.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { until } from '../../src/testing/serial/test-support.js';
import { type PtyPair, createPtyPair, ptyTest } from '../helpers/socat.js';

const test = suite('socat pty pair');
let dir = '';
let pair: PtyPair | undefined;
const ports: SerialPort[] = [];

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'lora-edge-'));
});
test.after.each(async () => {
  await Promise.all(ports.splice(0).map((port) => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()))));
  await pair?.kill();
  pair = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function open(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  ports.push(port);
  return new Promise((resolve, reject) => port.open((error) => (error ? reject(error) : resolve(port))));
}

function collect(port: SerialPort): () => string {
  let received = '';
  port.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  return () => received;
}

ptyTest(test, 'both links appear in the given directory and carry bytes both ways', async () => {
  pair = await createPtyPair(dir);
  assert.is(pair.hostPath, join(dir, 'host'));
  assert.is(pair.devicePath, join(dir, 'device'));
  const host = await open(pair.hostPath);
  const device = await open(pair.devicePath);
  const atDevice = collect(device);
  const atHost = collect(host);
  host.write('AT\r\n');
  device.write('+AT: OK\r\n');
  await until(() => atDevice() === 'AT\r\n' && atHost() === '+AT: OK\r\n', 'both directions');
});

ptyTest(test, 'kill makes both paths vanish; restart brings them back, usable again', async () => {
  pair = await createPtyPair(dir);
  await pair.kill();
  assert.not.ok(pair.running);
  assert.not.ok(existsSync(pair.hostPath));
  assert.not.ok(existsSync(pair.devicePath));
  await pair.kill();
  await pair.restart();
  assert.ok(pair.running);
  const host = await open(pair.hostPath);
  const device = await open(pair.devicePath);
  const atDevice = collect(device);
  host.write('ping');
  await until(() => atDevice() === 'ping', 'bytes through the restarted pair');
});

test.run();
