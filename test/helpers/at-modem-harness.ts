// The pty harness the AT-modem driver tests share: a simulated modem on one end of a socat pty
// pair, a SerialSource on the other, and the scenarios every dialect must pass. Each dialect's
// test file adds what is particular to it.
import { join } from 'node:path';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { SerialSource, type SerialSourceOptions } from '../../src/radio/serial/serial-source.js';
import { type SerialSimulator, type SerialSimulatorOptions, startSerialSimulator } from '../../src/testing/serial/simulator.js';
import { captureLogger, until } from '../../src/testing/serial/test-support.js';
import { ptyTest } from './socat.js';
import { ptySuite } from './pty-suite.js';

type AtDriver = 'lora-e5' | 'rak3172' | 'rn2483';

export interface AtModemHarness {
  test: Test;
  simulator(options?: Partial<SerialSimulatorOptions>): Promise<SerialSimulator>;
  source(frames: RadioFrame[], options?: Partial<SerialSourceOptions>): SerialSource;
}

export function atModemHarness(driver: AtDriver, sourceId: string): AtModemHarness {
  const { test, dir, sources, simulators } = ptySuite(`${driver} over a pty`);
  return {
    test,
    async simulator(options = {}) {
      const sim = await startSerialSimulator({ driver, link: join(dir(), 'tty'), intervalMs: 40, seed: 5, ...options });
      simulators.push(sim);
      return sim;
    },
    source(frames, options = {}) {
      const created = new SerialSource({
        id: sourceId,
        path: join(dir(), 'tty'),
        driver,
        logger: captureLogger().logger,
        onFrame: (frame) => frames.push(frame),
        frequency: 868_300_000,
        spreadingFactor: 9,
        bandwidth: 125_000,
        ...options,
      });
      sources.push(created);
      return created;
    },
  };
}

/** Metadata despite fragments and noise, and recovery from an unplugged device: every dialect. */
export function commonAtModemScenarios(h: AtModemHarness, sourceId: string): void {
  ptyTest(h.test, 'frames carry the modem-reported RSSI/SNR and the configured channel, despite fragments and noise', async () => {
    const sim = await h.simulator({ faults: { fragmentWrites: true, garbageBetweenFrames: true } });
    const frames: RadioFrame[] = [];
    const started = Date.now();
    const src = h.source(frames);
    await src.start();
    await until(() => frames.length >= 6, 'six frames');
    assert.is(src.state(), 'receiving');
    for (const frame of frames) {
      const packet = sim.emitted.find((emitted) => emitted.payload.equals(frame.payload));
      assert.ok(packet, 'every frame is a packet the modem reported');
      assert.equal(
        { ...frame, receivedAt: 0, context: undefined },
        {
          source: sourceId,
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
          context: undefined,
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

  ptyTest(h.test, 'unplugged (socat killed) and plugged back in: frames flow again within 5 s', async () => {
    const sim = await h.simulator();
    const frames: RadioFrame[] = [];
    const log = captureLogger();
    const src = h.source(frames, { logger: log.logger });
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
}
