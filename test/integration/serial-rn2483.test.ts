// RN2483 driver against the simulated modem over a real socat pty pair.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { SerialSource, type SerialSourceOptions } from '../../src/radio/serial/serial-source.js';
import { type SerialSimulator, type SerialSimulatorOptions, startSerialSimulator } from '../../src/testing/serial/simulator.js';
import { captureLogger, until } from '../../src/testing/serial/test-support.js';
import { ptyTest } from '../helpers/socat.js';

const test = suite('rn2483 over a pty');
let dir = '';
let sources: SerialSource[] = [];
let simulators: SerialSimulator[] = [];

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'lora-edge-'));
});
test.after.each(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
  await Promise.all(simulators.splice(0).map((simulator) => simulator.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function simulator(options: Partial<SerialSimulatorOptions> = {}): Promise<SerialSimulator> {
  const sim = await startSerialSimulator({ driver: 'rn2483', link: join(dir, 'tty'), intervalMs: 40, seed: 5, ...options });
  simulators.push(sim);
  return sim;
}

function source(frames: RadioFrame[], options: Partial<SerialSourceOptions> = {}): SerialSource {
  const created = new SerialSource({
    id: 'serial:rn',
    path: join(dir, 'tty'),
    driver: 'rn2483',
    logger: captureLogger().logger,
    onFrame: (frame) => frames.push(frame),
    frequency: 868_300_000,
    spreadingFactor: 9,
    bandwidth: 125_000,
    ...options,
  });
  sources.push(created);
  return created;
}

ptyTest(test, 'frames carry the modem-reported RSSI/SNR and the configured channel, despite fragments and noise', async () => {
  const sim = await simulator({ faults: { fragmentWrites: true, garbageBetweenFrames: true } });
  const frames: RadioFrame[] = [];
  const started = Date.now();
  const src = source(frames);
  await src.start();
  await until(() => frames.length >= 6, 'six frames');
  assert.is(src.state(), 'receiving');
  for (const frame of frames) {
    const packet = sim.emitted.find((emitted) => emitted.payload.equals(frame.payload));
    assert.ok(packet, 'every frame is a packet the modem reported');
    assert.equal(
      { ...frame, receivedAt: 0 },
      {
        source: 'serial:rn',
        receivedAt: 0,
        frequency: 868_300_000,
        channel: 0,
        rfChain: 0,
        modulation: 'LORA',
        spreadingFactor: 9,
        bandwidth: 125_000,
        codeRate: '4/5',
        crc: 'ok',
        rssi: packet?.rssi,
        snr: packet?.snr,
        payload: packet?.payload,
      },
    );
    assert.ok(frame.receivedAt >= started && frame.receivedAt <= Date.now());
  }
  // Packets arrive in order, none skipped: the payload counter goes up by one.
  const counters = frames.map((frame) => frame.payload.readUInt32BE(8));
  assert.equal(counters, counters.map((_, i) => counters[0] + i));
  // Each packet was preceded by a junk line, which the driver counted and ignored.
  assert.ok(src.counters().unexpectedMessages >= frames.length);
  assert.is(src.counters().malformedMessages, 0);
});

ptyTest(test, 'radio_err is counted and answered by re-arming', async () => {
  await simulator({ intervalMs: 20, faults: { rxInterruptEvery: 2 } });
  const frames: RadioFrame[] = [];
  const src = source(frames);
  await src.start();
  await until(() => frames.length >= 8 && src.counters().rxErrors >= 3, 'frames across radio_err interruptions');
  assert.is(src.counters().commandTimeouts, 0);
});

ptyTest(test, 'an unanswered command times out and the configuration runs again', async () => {
  await simulator({ faults: { ignoreFirstCommands: 1 } });
  const frames: RadioFrame[] = [];
  const src = source(frames, { commandTimeoutMs: 100 });
  await src.start();
  await until(() => frames.length >= 1, 'a frame after recovering');
  assert.is(src.counters().commandTimeouts, 1);
});

ptyTest(test, 'unplugged (socat killed) and plugged back in: frames flow again within 5 s', async () => {
  const sim = await simulator();
  const frames: RadioFrame[] = [];
  const log = captureLogger();
  const src = source(frames, { logger: log.logger });
  await src.start();
  await until(() => frames.length >= 2, 'frames before unplugging');
  await sim.disconnect(1000);
  const back = Date.now();
  const seen = frames.length;
  await until(() => frames.length > seen, 'frames after plugging back in', 5000);
  assert.ok(Date.now() - back < 5000);
  assert.is(src.counters().reopens, 1);
  assert.is(src.state(), 'receiving');
  assert.is(log.matching('serial port lost; reopening').length, 1);
});

test.run();
