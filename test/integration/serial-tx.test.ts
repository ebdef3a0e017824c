// Downlinks through SerialSource.transmit over real socat pty pairs: the 2.4 GHz MCU simulator
// (PREPARE_TX timed by its µs counter) and the LoRa-E5 simulator (best effort on the host clock),
// each recording what it was made to transmit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { TxRequest } from '../../src/radio/downlink.js';
import type { RadioFrame } from '../../src/radio/radio-frame.js';
import { hostTimeContext } from '../../src/radio/serial/at/tx-plan.js';
import { SerialSource } from '../../src/radio/serial/serial-source.js';
import { type SerialSimulator, type SerialSimulatorOptions, startSerialSimulator } from '../../src/testing/serial/simulator.js';
import { captureLogger, until } from '../../src/testing/serial/test-support.js';
import { atModemHarness } from '../helpers/at-modem-harness.js';
import { ptyTest } from '../helpers/socat.js';

const PAYLOAD = Buffer.from('20d1a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4', 'hex');

// ---- semtech-2g4 ------------------------------------------------------------------------------

const mcu = suite('semtech-2g4 transmit over a pty');
let dir = '';
const sources: SerialSource[] = [];
const simulators: SerialSimulator[] = [];

mcu.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'lora-edge-'));
});
mcu.after.each(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
  await Promise.all(simulators.splice(0).map((simulator) => simulator.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function mcuRig(options: Partial<SerialSimulatorOptions> = {}): Promise<{ sim: SerialSimulator; src: SerialSource; frames: RadioFrame[] }> {
  const sim = await startSerialSimulator({ driver: 'semtech-2g4', link: join(dir, 'tty'), intervalMs: 50, seed: 9, ...options });
  simulators.push(sim);
  const frames: RadioFrame[] = [];
  const src = new SerialSource({
    id: 'serial:2g4',
    path: join(dir, 'tty'),
    driver: 'semtech-2g4',
    logger: captureLogger().logger,
    onFrame: (frame) => frames.push(frame),
    resetSettleMs: 20,
  });
  sources.push(src);
  await src.start();
  await until(() => frames.length >= 1, 'an uplink from the MCU');
  return { sim, src, frames };
}

function downlink2g4(frame: RadioFrame, delayMs: number, overrides: Partial<TxRequest> = {}): TxRequest {
  return {
    payload: PAYLOAD,
    frequency: 2_479_000_000,
    modulation: 'LORA',
    spreadingFactor: 10,
    bandwidth: 812_500,
    codeRate: '4/8LI',
    power: 10,
    polarizationInversion: true,
    timing: { kind: 'delay', context: frame.context as Buffer, delayMs },
    ...overrides,
  };
}

ptyTest(mcu, 'RX1-style downlink: the MCU gets count_us = uplink counter + delay across the u32 wrap, and receiving goes on', async () => {
  const startUs = 0xffffffff - 1_500_000;
  const { sim, src, frames } = await mcuRig({ timestampStartUs: startUs });
  // The newest uplink heard before the MCU timer wraps, and a delay that takes count_us past the wrap.
  const uplink = frames.filter((frame) => (frame.counterUs ?? 0) >= startUs).pop();
  assert.ok(uplink, 'an uplink before the timer wrapped');
  if (!uplink) return;
  const delayMs = Math.ceil((0x1_0000_0000 - (uplink.counterUs ?? 0)) / 1000) + 300;
  const status = await src.transmit(downlink2g4(uplink, delayMs));
  assert.is(status, 'OK');
  assert.is(sim.transmitted.length, 1);
  const tx = sim.transmitted[0];
  assert.equal(
    { ...tx, acceptedAtUs: 0, at: 0 },
    {
      payload: PAYLOAD,
      frequency: 2_479_000_000,
      spreadingFactor: 10,
      bandwidth: 812_500,
      codeRate: '4/8LI',
      power: 10,
      preamble: 8,
      invertIq: true,
      mode: 'timestamped',
      countUs: ((uplink.counterUs ?? 0) + delayMs * 1000) % 0x1_0000_0000,
      acceptedAtUs: 0,
      at: 0,
    },
  );
  assert.ok((tx.countUs ?? 0) < (uplink.counterUs ?? 0), 'count_us wrapped');
  // Handed over before it was due, by the host clock too.
  assert.ok(tx.at < uplink.receivedAt + delayMs, `PREPARE_TX at +${tx.at - uplink.receivedAt} ms`);
  const seen = frames.length;
  await until(() => frames.length > seen + 2, 'uplinks after the downlink');
  assert.is(src.counters().txOk, 1);
});

ptyTest(mcu, 'immediate (class C) goes out at once; a send the MCU fails is INTERNAL_ERROR', async () => {
  const { sim, src, frames } = await mcuRig({ faults: { txFailure: true } });
  const status = await src.transmit(downlink2g4(frames[0], 0, { timing: { kind: 'immediate' } }));
  assert.is(status, 'INTERNAL_ERROR');
  assert.is(sim.transmitted[0]?.mode, 'immediate');
  assert.is(src.counters().txFailed, 1);
  assert.is(src.state(), 'receiving');
});

ptyTest(mcu, 'a stopped source refuses downlinks', async () => {
  const { src, frames } = await mcuRig();
  await src.stop();
  assert.is(await src.transmit(downlink2g4(frames[0], 500)), 'INTERNAL_ERROR');
});

// ---- LoRa-E5 ------------------------------------------------------------------------------------

const e5 = atModemHarness('lora-e5', 'serial:e5');

ptyTest(e5.test, 'RX1 downlink: sent on the host clock at receivedAt + delay, IQ inverted, then receiving again', async () => {
  const sim = await e5.simulator({ intervalMs: 60 });
  const frames: RadioFrame[] = [];
  const src = e5.source(frames, { txPrepareMs: 150 });
  await src.start();
  await until(() => frames.length >= 1, 'an uplink');
  const uplink = frames[0];
  assert.ok(uplink.context?.equals(hostTimeContext(uplink.receivedAt)));
  const status = await src.transmit({
    payload: PAYLOAD,
    frequency: 868_300_000,
    modulation: 'LORA',
    spreadingFactor: 9,
    bandwidth: 125_000,
    codeRate: '4/5',
    power: 14,
    polarizationInversion: true,
    timing: { kind: 'delay', context: uplink.context as Buffer, delayMs: 1000 },
  });
  assert.is(status, 'OK');
  assert.is(sim.transmitted.length, 1);
  const tx = sim.transmitted[0];
  assert.equal(
    { ...tx, at: 0 },
    { payload: PAYLOAD, frequency: 868_300_000, spreadingFactor: 9, bandwidth: 125_000, codeRate: '4/5', power: 14, preamble: 8, invertIq: true, at: 0 },
  );
  // At 9600 baud the command starts early by its own wire time (about 50 ms for this payload);
  // over a pty the bytes arrive at once, so the modem has it that much before the due time.
  const offset = tx.at - (uplink.receivedAt + 1000);
  assert.ok(offset >= -80 && offset <= 100, `transmit command reached the modem ${offset} ms from the due time`);
  const seen = frames.length;
  await until(() => frames.length > seen + 1, 'uplinks after the downlink (receiving again)');
  assert.is(src.state(), 'receiving');
  assert.is(src.counters().reconfigures, 0);
});

mcu.run();
e5.test.run();
