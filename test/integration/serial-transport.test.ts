// The transport's open/reopen behaviour with real paths: missing device, wrong file type.
import { mkdirSync, readlinkSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { SerialConfigError } from '../../src/radio/serial/errors.js';
import { SerialSource } from '../../src/radio/serial/serial-source.js';
import { SerialTransport } from '../../src/radio/serial/transport.js';
import { startSerialSimulator } from '../../src/testing/serial/simulator.js';
import { captureLogger, until } from '../../src/testing/serial/test-support.js';
import { ptySuite } from '../helpers/pty-suite.js';
import { createPtyPair, ptyTest } from '../helpers/socat.js';

const pty = ptySuite('serial transport');
const test = pty.test;
const { sources, simulators } = pty;
const dir = pty.dir;

test('a path that is not a tty is reported clearly, retried, and never crashes', async () => {
  const path = join(dir(), 'not-a-tty');
  writeFileSync(path, 'plain file');
  const log = captureLogger();
  const src = new SerialSource({ id: 'serial:file', path, driver: 'lora-e5', logger: log.logger, onFrame: () => undefined, frequency: 868_100_000 });
  sources.push(src);
  await src.start();
  await until(() => src.counters().openFailures >= 2, 'two attempts');
  assert.is(src.state(), 'opening');
  const reports = log.matching('is not a serial device');
  assert.is(reports.length, 1);
  assert.is(reports[0]?.level, 'error');
  await src.stop();
  assert.is(src.state(), 'stopped');
});

test('start() resolves at once even when the device is missing; stop() ends the retries', async () => {
  const src = new SerialSource({
    id: 'serial:none',
    path: join(dir(), 'nothing-here'),
    driver: 'rn2483',
    logger: captureLogger().logger,
    onFrame: () => undefined,
    frequency: 868_100_000,
  });
  sources.push(src);
  const before = Date.now();
  await src.start();
  assert.ok(Date.now() - before < 100);
  assert.is(src.state(), 'opening');
  await src.stop();
  const failures = src.counters().openFailures;
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.is(src.counters().openFailures, failures);
});

test('bad settings are refused when the source is built, with the reason', () => {
  const base = { id: 'serial:x', path: '/dev/ttyUSB0', logger: captureLogger().logger, onFrame: () => undefined };
  const refuse = (options: Record<string, unknown>, pattern: RegExp): void =>
    assert.throws(
      () => new SerialSource({ ...base, ...options } as unknown as ConstructorParameters<typeof SerialSource>[0]),
      (error: Error) => error instanceof SerialConfigError && pattern.test(error.message),
    );
  refuse({ driver: 'lora-e5' }, /needs 'frequency'/);
  refuse({ driver: 'lora-e5', frequency: 868.1 }, /not a sub-GHz frequency in Hz/);
  refuse({ driver: 'rak3172', frequency: 868_100_000, bandwidth: 812_500 }, /bandwidths 125000, 250000, 500000 Hz, not 812500/);
  refuse({ driver: 'rn2483', frequency: 868_100_000, spreadingFactor: 6 }, /spreading factors 7, 8, 9, 10, 11, 12, not 6/);
  refuse({ driver: 'semtech-2g4', channels: [{ frequency: 868_100_000 }] }, /2400-2500 MHz/);
  refuse({ driver: 'xbee', frequency: 868_100_000 }, /unknown driver 'xbee'/);
  refuse({ driver: 'lora-e5', frequency: 868_100_000, path: '' }, /'path' is required/);
});

ptyTest(test, 'an AT modem missing at start is retried and used as soon as it appears', async () => {
  const link = join(dir(), 'tty');
  const frames: RadioFrame[] = [];
  const log = captureLogger();
  const src = new SerialSource({
    id: 'serial:late',
    path: link,
    driver: 'rak3172',
    logger: log.logger,
    onFrame: (frame) => frames.push(frame),
    frequency: 868_100_000,
  });
  sources.push(src);
  await src.start();
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.is(src.state(), 'opening');
  assert.is(log.matching('is not present').length, 1);
  simulators.push(await startSerialSimulator({ driver: 'rak3172', link, intervalMs: 30 }));
  await until(() => frames.length >= 1, 'a frame', 6000);
  assert.is(src.state(), 'receiving');
});

ptyTest(test, 'socat killed while open: the loss is noticed and the port reopened when the path returns', async () => {
  const pair = await createPtyPair(dir());
  const log = captureLogger();
  let opens = 0;
  let losses = 0;
  const transport = new SerialTransport({
    path: pair.hostPath,
    baudRate: 115200,
    logger: log.logger,
    presenceCheckMs: 100,
    onOpen: () => (opens += 1),
    onData: () => undefined,
    onClose: () => (losses += 1),
  });
  try {
    transport.start();
    await until(() => transport.state === 'open', 'open');
    // With the far end never opened, the read may stay silent; then the path check notices.
    await pair.kill();
    await until(() => losses === 1, 'the loss noticed', 3000);
    assert.is(transport.state, 'reopening');
    assert.ok(['device path vanished', 'device disconnected'].includes(String(log.matching('serial port lost')[0]?.reason)));
    await pair.restart();
    await until(() => opens === 2, 'reopened', 6000);
    assert.is(transport.reopens, 1);
  } finally {
    await transport.stop();
    await pair.kill();
  }
});

ptyTest(test, 'a path that now leads to another device (re-enumeration) is reopened, even though the old one lives', async () => {
  const first = await createPtyPair(dir());
  const otherDir = join(dir(), 'other');
  mkdirSync(otherDir);
  const second = await createPtyPair(otherDir);
  const log = captureLogger();
  let opens = 0;
  const transport = new SerialTransport({
    path: first.hostPath,
    baudRate: 115200,
    logger: log.logger,
    presenceCheckMs: 100,
    onOpen: () => (opens += 1),
    onData: () => undefined,
    onClose: () => undefined,
  });
  try {
    transport.start();
    await until(() => opens === 1, 'open');
    // Re-point the link at the other pty; the first pty is still alive, so no read fails.
    const target = readlinkSync(second.hostPath);
    unlinkSync(first.hostPath);
    symlinkSync(target, first.hostPath);
    await until(() => opens === 2, 'reopened on the new device', 3000);
    assert.is(log.matching('serial port lost')[0]?.reason, 'device path now leads to another device');
  } finally {
    await transport.stop();
    await first.kill();
    await second.kill();
  }
});

test.run();
