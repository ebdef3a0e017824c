// Semtech 2.4 GHz gateway driver against the simulated MCU over a real socat pty pair.
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { SerialSource, type SerialSourceOptions } from '../../src/radio/serial/serial-source.js';
import { type SerialSimulator, type SerialSimulatorOptions, startSerialSimulator } from '../../src/testing/serial/simulator.js';
import { captureLogger, until } from '../../src/testing/serial/test-support.js';
import { ptySuite } from '../helpers/pty-suite.js';
import { ptyTest } from '../helpers/socat.js';

const pty = ptySuite('semtech-2g4 over a pty');
const test = pty.test;
const CHANNEL_FREQUENCIES = [2_403_000_000, 2_425_000_000, 2_479_000_000];
const { sources, simulators } = pty;
const dir = pty.dir;

async function simulator(options: Partial<SerialSimulatorOptions> = {}): Promise<SerialSimulator> {
  const sim = await startSerialSimulator({ driver: 'semtech-2g4', link: join(dir(), 'tty'), intervalMs: 30, seed: 3, ...options });
  simulators.push(sim);
  return sim;
}

function source(frames: RadioFrame[], options: Partial<SerialSourceOptions> = {}): SerialSource {
  const created = new SerialSource({
    id: 'serial:2g4',
    path: join(dir(), 'tty'),
    driver: 'semtech-2g4',
    logger: captureLogger().logger,
    onFrame: (frame) => frames.push(frame),
    resetSettleMs: 50,
    ...options,
  });
  sources.push(created);
  return created;
}

ptyTest(test, 'frames carry the MCU metadata (timestamp across the u32 wrap, channel, RSSI/SNR) despite fragments and noise', async () => {
  // The MCU timer starts 1.5 s before it wraps, so the frames straddle the wrap.
  const sim = await simulator({ timestampStartUs: 0xffffffff - 1_500_000, faults: { fragmentWrites: true, garbageBetweenFrames: true } });
  const frames: RadioFrame[] = [];
  const src = source(frames);
  await src.start();
  await until(() => frames.some((frame) => (frame.counterUs ?? 0) < 0x10000000), 'a frame after the counter wrapped', 8000);
  assert.is(src.state(), 'receiving');
  for (const frame of frames) {
    const packet = sim.emitted.find((emitted) => emitted.payload.equals(frame.payload));
    assert.ok(packet, 'every frame is a message the MCU queued');
    const radio = packet?.radio ?? -1;
    const context = Buffer.alloc(4);
    context.writeUInt32BE(packet?.timestampUs ?? 0, 0);
    assert.equal(
      { ...frame, receivedAt: 0 },
      {
        source: 'serial:2g4',
        receivedAt: 0,
        counterUs: packet?.timestampUs,
        frequency: CHANNEL_FREQUENCIES[radio],
        channel: radio,
        rfChain: radio,
        modulation: 'LORA',
        spreadingFactor: 12,
        bandwidth: 812_500,
        codeRate: '4/8LI',
        crc: 'ok',
        rssi: packet?.rssi,
        snr: packet?.snr,
        payload: packet?.payload,
        context,
      },
    );
  }
  const timestamps = frames.map((frame) => frame.counterUs ?? -1);
  assert.ok(timestamps.every((us) => us >= 0 && us <= 0xffffffff), 'u32 range');
  assert.ok(timestamps.some((us) => us > 0xf0000000) && timestamps.some((us) => us < 0x10000000), 'the counter wrapped during the test');
  // All three radios were configured and delivered.
  assert.equal(new Set(frames.map((frame) => frame.channel)).size, 3);
  // Noise was skipped and counted byte for byte: at most one poll's answer (an ack and up to
  // eight events, each behind up to 8 noise bytes) can still be in flight.
  const inFlight = sim.stats.garbageBytes - src.counters().discardedBytes;
  assert.ok(src.counters().discardedBytes > 0);
  assert.ok(inFlight >= 0 && inFlight <= 9 * 8, `noise not yet read: ${inFlight} bytes`);
  assert.is(src.counters().malformedMessages, 0);
});

ptyTest(test, 'a mismatched firmware is refused with a clear message and the source stays failed', async () => {
  await simulator({ faults: { versionMismatch: true } });
  const frames: RadioFrame[] = [];
  const log = captureLogger();
  const src = source(frames, { logger: log.logger });
  await src.start();
  await until(() => src.state().startsWith('failed'), 'failed state');
  assert.match(src.state(), /^failed: firmware 00\.02\.16 is not the supported 01\.00\.01/);
  const errors = log.records().filter((record) => record.level === 'error');
  assert.is(errors.length, 1);
  assert.match(String(errors[0]?.msg), /serial source failed: firmware 00\.02\.16 is not the supported 01\.00\.01; flash rlz_fwm_gtw_2g4_01\.00\.01\.bin/);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.is(frames.length, 0);
  assert.match(src.state(), /^failed: firmware/);
});

ptyTest(test, 'unplugged (socat killed) and plugged back in: frames flow again within 5 s (HAL reset timing)', async () => {
  const sim = await simulator();
  const frames: RadioFrame[] = [];
  const src = source(frames, { resetSettleMs: undefined });
  await src.start();
  await until(() => frames.length >= 3, 'frames before unplugging');
  await sim.disconnect(1500);
  const back = Date.now();
  const seen = frames.length;
  await until(() => frames.length > seen, 'frames after plugging back in', 5000);
  assert.ok(Date.now() - back < 5000);
  assert.is(src.counters().reopens, 1);
  assert.is(src.state(), 'receiving');
});

ptyTest(test, 'missing at start: the source retries, then works when the device appears', async () => {
  const frames: RadioFrame[] = [];
  const log = captureLogger();
  const src = source(frames, { logger: log.logger });
  await src.start();
  await new Promise((resolve) => setTimeout(resolve, 800));
  assert.is(src.state(), 'opening');
  assert.ok(src.counters().openFailures >= 2);
  // Retries are logged once, not once per attempt.
  assert.is(log.matching('is not present').length, 1);
  await simulator();
  await until(() => frames.length >= 1, 'a frame once the device exists', 6000);
  assert.is(src.counters().reopens, 0);
});

ptyTest(test, 'impossible RSSI (a calibration offset typo of +250 dB) is refused and counted per reason, never passed on', async () => {
  await simulator();
  const frames: RadioFrame[] = [];
  const log = captureLogger();
  const channels = [{ frequency: 2_403_000_000, rssiOffset: 250 }, { frequency: 2_425_000_000 }, { frequency: 2_479_000_000 }];
  const src = source(frames, { logger: log.logger, channels });
  await src.start();
  await until(() => (src.counters().implausible_rssi ?? 0) >= 2 && frames.length >= 2, 'refused and accepted frames', 8000);
  assert.ok(frames.every((frame) => frame.channel !== 0 && frame.rssi <= 20), 'no frame of the miscalibrated radio got through');
  const warnings = log.records().filter((record) => /impossible radio metadata/.test(String(record.msg)));
  assert.is(warnings.length, 1, 'logged once, then counted');
});

test.run();
