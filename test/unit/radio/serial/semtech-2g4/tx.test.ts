// Downlinks on the 2.4 GHz gateway MCU: PREPARE_TX bytes (order of gateway_2g4_hal's
// e_cmd_offset_req_prepare_tx), request planning, status mapping, and the driver against the MCU
// model in memory (timing against the MCU clock, one TX slot, polling until the packet has left).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TxRequest } from '../../../../../src/radio/downlink.js';
import { MalformedMessageError } from '../../../../../src/radio/serial/errors.js';
import { resolveChannels } from '../../../../../src/radio/serial/semtech-2g4/channels.js';
import { semtech2g4Driver } from '../../../../../src/radio/serial/semtech-2g4/driver.js';
import {
  PREPARE_TX_STATUS,
  type PrepareTxRequest,
  TX_STATUS,
  decodePrepareTxRequest,
  encodePrepareTxRequest,
} from '../../../../../src/radio/serial/semtech-2g4/messages.js';
import { counterAfter, counterDelta, planPrepareTx, prepareTxRefusal, txOutcome } from '../../../../../src/radio/serial/semtech-2g4/tx-plan.js';
import { type MemoryLink, semtech2g4ModelLink } from '../../../../../src/testing/serial/memory-link.js';
import { Semtech2g4Device, type Semtech2g4DeviceOptions } from '../../../../../src/testing/serial/semtech-2g4-device.js';

const openLinks: MemoryLink[] = [];
test.after.each(() => {
  for (const link of openLinks.splice(0)) link.close();
});

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const PAYLOAD = Buffer.from('60040302012001000142', 'hex');

function counterContext(us: number): Buffer {
  const context = Buffer.alloc(4);
  context.writeUInt32BE(us >>> 0);
  return context;
}

function request(overrides: Partial<TxRequest> = {}): TxRequest {
  return {
    payload: PAYLOAD,
    frequency: 2_425_000_000,
    modulation: 'LORA',
    spreadingFactor: 12,
    bandwidth: 812_500,
    power: 10,
    polarizationInversion: true,
    timing: { kind: 'delay', context: counterContext(5_000_000), delayMs: 1000 },
    ...overrides,
  };
}

// ---- wire format ----------------------------------------------------------------------------

test('PREPARE_TX bytes: mode, count_us, power, freq, BW, SF, IQ, CR, header, CRC, ramp, preamble, sync, length, payload', () => {
  const req: PrepareTxRequest = {
    mode: 0,
    countUs: 0x01020304,
    power: -5,
    frequency: 2_425_000_000,
    bandwidthCode: 12,
    spreadingFactor: 12,
    invertIq: true,
    codeRateIndex: 6,
    implicitHeader: false,
    crc: true,
    rampUp: 0xe0,
    preamble: 8,
    syncWord: 0x21,
    payload: Buffer.from([0xaa, 0xbb]),
  };
  const bytes = encodePrepareTxRequest(req);
  assert.is(bytes.toString('hex'), '00' + '01020304' + 'fb' + '908a9040' + '0c' + '0c' + '01' + '06' + '00' + '01' + 'e0' + '0008' + '21' + '02' + 'aabb');
  assert.equal(decodePrepareTxRequest(bytes), req);
  assert.throws(() => decodePrepareTxRequest(bytes.subarray(0, 20)), (error: unknown) => error instanceof MalformedMessageError);
  assert.throws(() => decodePrepareTxRequest(Buffer.concat([bytes, Buffer.from([0])])), /announces a 2-byte payload but carries 3/);
});

// ---- planning -------------------------------------------------------------------------------

test('a delayed downlink is timestamped at the uplink counter + delay (µs, u32 wrap); CR 4/8LI, CRC, public sync word', () => {
  const plan = planPrepareTx(request());
  assert.ok(plan.ok);
  if (!plan.ok) return;
  assert.equal(plan.prepare, {
    mode: 0,
    countUs: 6_000_000,
    power: 10,
    frequency: 2_425_000_000,
    bandwidthCode: 12,
    spreadingFactor: 12,
    invertIq: true,
    codeRateIndex: 6,
    implicitHeader: false,
    crc: true,
    rampUp: 0xe0,
    preamble: 8,
    syncWord: 0x21,
    payload: PAYLOAD,
  });
  assert.is(counterAfter(counterContext(0xffff_ff00), 1), 0xffff_ff00 + 1000 - 0x1_0000_0000);
  assert.is(counterDelta(0x10, 0xffff_fff0), 0x20);
  assert.is(counterDelta(0xffff_fff0, 0x10), -0x20);
});

test('immediate, nominal bandwidths, code rates, preamble, and power above the chip maximum capped at 13 dBm', () => {
  const plan = planPrepareTx(request({ timing: { kind: 'immediate' }, bandwidth: 800_000, codeRate: '4/5', preamble: 12, power: 20 }));
  assert.ok(plan.ok);
  if (!plan.ok) return;
  assert.equal(
    [plan.prepare.mode, plan.prepare.countUs, plan.prepare.bandwidthCode, plan.prepare.codeRateIndex, plan.prepare.preamble, plan.prepare.power, plan.clampedFrom],
    [1, 0, 12, 0, 12, 13, 20],
  );
  const li45 = planPrepareTx(request({ codeRate: '4/5LI', bandwidth: 203_125 }));
  assert.ok(li45.ok && li45.prepare.codeRateIndex === 4 && li45.prepare.bandwidthCode === 8);
});

test('what the SX1280 cannot send is refused with the status ChirpStack would expect', () => {
  const refusals: Array<[Partial<TxRequest>, string]> = [
    [{ frequency: 868_100_000 }, 'TX_FREQ'],
    [{ frequency: 2_500_000_001 }, 'TX_FREQ'],
    [{ power: -19 }, 'TX_POWER'],
    [{ timing: { kind: 'gps', gpsTimeMs: 1 } }, 'GPS_UNLOCKED'],
    [{ modulation: 'FSK', fskDatarate: 50_000 }, 'INTERNAL_ERROR'],
    [{ bandwidth: 125_000 }, 'INTERNAL_ERROR'],
    [{ spreadingFactor: 4 }, 'INTERNAL_ERROR'],
    [{ codeRate: '4/7LI' }, 'INTERNAL_ERROR'],
    [{ timing: { kind: 'delay', context: Buffer.alloc(3), delayMs: 10 } }, 'INTERNAL_ERROR'],
    [{ payload: Buffer.alloc(0) }, 'INTERNAL_ERROR'],
    [{ preamble: 6 }, 'INTERNAL_ERROR'],
  ];
  for (const [overrides, status] of refusals) {
    const plan = planPrepareTx(request(overrides));
    assert.is(plan.ok ? 'OK' : plan.status, status, JSON.stringify(overrides));
  }
});

test('MCU statuses: FIFO full -> QUEUE_FULL, invalid -> INTERNAL_ERROR; LOADED/ON_AIR pending, DONE/IDLE sent, errors INTERNAL_ERROR', () => {
  assert.is(prepareTxRefusal(PREPARE_TX_STATUS.OK), undefined);
  assert.is(prepareTxRefusal(PREPARE_TX_STATUS.FIFO_FULL)?.status, 'QUEUE_FULL');
  assert.is(prepareTxRefusal(PREPARE_TX_STATUS.INVALID)?.status, 'INTERNAL_ERROR');
  assert.is(prepareTxRefusal(9)?.status, 'INTERNAL_ERROR');
  assert.equal(
    [TX_STATUS.IDLE, TX_STATUS.LOADED, TX_STATUS.ON_AIR, TX_STATUS.DONE, TX_STATUS.ERROR_PARAM, TX_STATUS.ERROR_FAIL_TO_SEND, TX_STATUS.ERROR_TX_TIMEOUT, 42].map(txOutcome),
    ['OK', 'pending', 'pending', 'OK', 'INTERNAL_ERROR', 'INTERNAL_ERROR', 'INTERNAL_ERROR', 'INTERNAL_ERROR'],
  );
});

// ---- driver + MCU model -----------------------------------------------------------------------

/** An MCU model whose µs timer runs with the host's monotonic clock, from `startUs`. */
function start(startUs = 7_000_000, options: Semtech2g4DeviceOptions = {}) {
  const t0 = performance.now();
  const device = new Semtech2g4Device({ clockUs: () => (startUs + Math.round((performance.now() - t0) * 1000)) >>> 0, ...options });
  const factory = semtech2g4Driver({
    channels: resolveChannels(undefined),
    resetSettleMs: 1,
    pollIntervalMs: 2,
    commandTimeoutMs: 300,
    statusIntervalMs: 50,
  });
  const link = semtech2g4ModelLink(factory, device, { chunkSize: 7 });
  openLinks.push(link);
  const run = link.session.run();
  return { device, link, run };
}

async function uplinkContext(device: Semtech2g4Device, link: MemoryLink): Promise<Buffer> {
  const before = link.frames.length;
  device.receive({ radio: 0, payload: Buffer.from('uplink'), rssi: -80, snr: 6 });
  await until(() => link.frames.length > before, 'the uplink frame');
  return link.frames[before].context as Buffer;
}

test('a delayed downlink is prepared for uplink counter + delay, polled until it has left, while receiving goes on', async () => {
  const { device, link, run } = start();
  await until(() => link.states.includes('receiving'), 'receiving');
  const context = await uplinkContext(device, link);
  const sentAt = performance.now();
  const pending = link.session.transmit(request({ timing: { kind: 'delay', context, delayMs: 250 } }));
  // An uplink during the wait still comes through before the downlink is done.
  await until(() => device.transmissions.length === 1, 'PREPARE_TX');
  device.receive({ radio: 2, payload: Buffer.from('meanwhile'), rssi: -70, snr: 3 });
  await until(() => link.frames.some((f) => f.payload.toString() === 'meanwhile'), 'an uplink while the downlink waits');
  assert.is(device.txStatus(), TX_STATUS.LOADED);
  assert.is(await pending, 'OK');
  assert.ok(performance.now() - sentAt >= 200, 'resolved only after the packet was due');
  const tx = device.transmissions[0];
  assert.is(tx.request.countUs, (context.readUInt32BE(0) + 250_000) >>> 0);
  assert.is(tx.request.mode, 0);
  assert.ok(tx.request.payload.equals(PAYLOAD));
  assert.is(device.txStatus(), TX_STATUS.DONE);
  link.close();
  await run;
});

test('the MCU counter wrapping between uplink and downlink is not mistaken for lateness', async () => {
  const { device, link, run } = start(0xffff_ffff - 150_000);
  await until(() => link.states.includes('receiving'), 'receiving');
  const context = await uplinkContext(device, link);
  assert.is(await link.session.transmit(request({ timing: { kind: 'delay', context, delayMs: 300 } })), 'OK');
  assert.ok(device.transmissions[0].request.countUs < context.readUInt32BE(0), 'count_us wrapped past 2^32');
  link.close();
  await run;
});

test('too late and too early by the MCU clock are refused before anything reaches the MCU', async () => {
  const { device, link, run } = start();
  await until(() => link.states.includes('receiving'), 'receiving');
  const context = await uplinkContext(device, link);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.is(await link.session.transmit(request({ timing: { kind: 'delay', context, delayMs: 20 } })), 'TOO_LATE');
  assert.is(await link.session.transmit(request({ timing: { kind: 'delay', context, delayMs: 60_000 } })), 'TOO_EARLY');
  assert.is(device.transmissions.length, 0);
  link.close();
  await run;
});

test('one TX slot: a second downlink while the first waits is QUEUE_FULL; a failed send is INTERNAL_ERROR', async () => {
  const { device, link, run } = start();
  await until(() => link.states.includes('receiving'), 'receiving');
  const context = await uplinkContext(device, link);
  const first = link.session.transmit(request({ timing: { kind: 'delay', context, delayMs: 300 } }));
  await until(() => device.transmissions.length === 1, 'first prepared');
  assert.is(await link.session.transmit(request({ timing: { kind: 'delay', context, delayMs: 400 } })), 'QUEUE_FULL');
  assert.is(await first, 'OK');
  device.txFinalStatus = TX_STATUS.ERROR_FAIL_TO_SEND;
  assert.is(await link.session.transmit(request({ timing: { kind: 'immediate' } })), 'INTERNAL_ERROR');
  assert.is(device.transmissions.length, 2);
  link.close();
  await run;
});

test('immediate and capped power reach the MCU as such; nothing is sent before the MCU is configured', async () => {
  const { device, link, run } = start();
  assert.is(await link.session.transmit(request({ timing: { kind: 'immediate' } })), 'INTERNAL_ERROR');
  await until(() => link.states.includes('receiving'), 'receiving');
  assert.is(await link.session.transmit(request({ timing: { kind: 'immediate' }, power: 27, polarizationInversion: false })), 'OK');
  assert.equal(
    [device.transmissions[0].request.mode, device.transmissions[0].request.power, device.transmissions[0].request.invertIq],
    [1, 13, false],
  );
  link.close();
  await run;
  assert.is(await link.session.transmit(request({ timing: { kind: 'immediate' } })), 'INTERNAL_ERROR');
});

test.run();
