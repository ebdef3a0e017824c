// The 2.4 GHz driver against the MCU model, in memory (no pty).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DeviceUnusableError } from '../../../../../src/radio/serial/errors.js';
import { type Semtech2g4ChannelConfig, resolveChannels } from '../../../../../src/radio/serial/semtech-2g4/channels.js';
import { semtech2g4Driver } from '../../../../../src/radio/serial/semtech-2g4/driver.js';
import { Semtech2g4Framer } from '../../../../../src/radio/serial/semtech-2g4/framer.js';
import { ORDER } from '../../../../../src/radio/serial/semtech-2g4/messages.js';
import { Semtech2g4Device, type Semtech2g4DeviceOptions } from '../../../../../src/testing/serial/semtech-2g4-device.js';
import { type MemoryLink, memoryLink, semtech2g4ModelLink } from '../../../../../src/testing/serial/memory-link.js';

const NOW = 1_700_000_000_000;

// Links still open when a test fails are closed here, so a failure cannot hang the file.
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

function driver(channels?: Semtech2g4ChannelConfig[], statusIntervalMs = 1000) {
  return semtech2g4Driver({ channels: resolveChannels(channels), resetSettleMs: 1, pollIntervalMs: 2, commandTimeoutMs: 200, statusIntervalMs });
}

function start(deviceOptions: Semtech2g4DeviceOptions = {}, channels?: Semtech2g4ChannelConfig[], statusIntervalMs?: number) {
  const device = new Semtech2g4Device(deviceOptions);
  const link = semtech2g4ModelLink(driver(channels, statusIntervalMs), device, { chunkSize: 5, now: () => NOW });
  openLinks.push(link);
  return { device, link, run: link.session.run() };
}

/** Orders of everything the host sent. */
function requestOrders(link: MemoryLink): number[] {
  const framer = Semtech2g4Framer.forDevice();
  return link.written.flatMap((bytes) => framer.push(bytes).map((frame) => frame.order));
}

test('start sequence: PING, RESET all RX, RESET TX, GET_STATUS, CONFIG_RX per channel, then polling', async () => {
  const { device, link, run } = start();
  await until(() => link.states.includes('receiving'), 'receiving');
  await until(() => requestOrders(link).length >= 8, 'first poll');
  assert.equal(requestOrders(link).slice(0, 8), [
    ORDER.PING,
    ORDER.RESET,
    ORDER.RESET,
    ORDER.GET_STATUS,
    ORDER.CONFIG_RX,
    ORDER.CONFIG_RX,
    ORDER.CONFIG_RX,
    ORDER.GET_RX_MSG,
  ]);
  assert.equal(device.configuredRadios, [0, 1, 2]);
  assert.equal(device.radios.get(1), {
    radio: 1,
    frequency: 2_425_000_000,
    preambleLength: 8,
    spreadingFactor: 12,
    bandwidthCode: 12,
    invertIq: false,
    syncWord: 0x21,
  });
  link.close();
  await run;
});

test('every metadata field of a received message lands in the RadioFrame', async () => {
  let clock = 0xfffffff0;
  const { device, link, run } = start({ clockUs: () => clock }, [
    { frequency: 2_403_000_000 },
    { frequency: 2_425_000_000, spreadingFactor: 10, bandwidth: 406_250, rssiOffset: -4 },
  ]);
  await until(() => device.configuredRadios.length === 2, 'configured');
  device.receive({ radio: 1, payload: Buffer.from('first'), rssi: -95, snr: -7, frequencyErrorHz: -1200 });
  clock = 0x00000010; // the u32 timer wrapped
  device.receive({ radio: 0, payload: Buffer.from('second'), rssi: -60, snr: 11 });
  await until(() => link.frames.length === 2, 'two frames');
  assert.equal(link.frames[0], {
    source: 'memory',
    receivedAt: NOW,
    counterUs: 0xfffffff0,
    frequency: 2_425_000_000,
    channel: 1,
    rfChain: 1,
    modulation: 'LORA',
    spreadingFactor: 10,
    bandwidth: 406_250,
    codeRate: '4/8LI',
    crc: 'ok',
    rssi: -99,
    snr: -7,
    payload: Buffer.from('first'),
    context: Buffer.from([0xff, 0xff, 0xff, 0xf0]),
  });
  assert.equal(
    [link.frames[1].counterUs, link.frames[1].frequency, link.frames[1].rssi, link.frames[1].snr, [...(link.frames[1].context ?? [])]],
    [0x10, 2_403_000_000, -60, 11, [0, 0, 0, 0x10]],
  );
  link.close();
  await run;
});

test('more messages than one poll carries are all fetched, in order', async () => {
  const { device, link, run } = start({ maxPerPoll: 4, fifoCapacity: 64 });
  await until(() => device.configuredRadios.length === 3, 'configured');
  for (let i = 0; i < 20; i++) device.receive({ radio: i % 3, payload: Buffer.from([i]), rssi: -50, snr: 5 });
  await until(() => link.frames.length === 20, 'twenty frames');
  assert.equal(link.frames.map((frame) => frame.payload[0]), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(link.frames.map((frame) => frame.channel).slice(0, 4), [0, 1, 2, 0]);
  link.close();
  await run;
});

test('messages the MCU lost and bad-CRC packets it counted show in the counters', async () => {
  const { device, link, run } = start({ fifoCapacity: 4 }, undefined, 20);
  await until(() => device.configuredRadios.length === 3, 'configured');
  // Six at once into a four-slot FIFO: two are lost before the next poll.
  for (let i = 0; i < 6; i++) device.receive({ radio: 0, payload: Buffer.from([i]), rssi: -50, snr: 5 });
  device.receiveBadCrc(0);
  device.receiveBadCrc(2);
  device.receiveBadCrc(2);
  await until(() => link.frames.length === 4 && link.counters.lostMessages === 2, 'four frames, two lost');
  await until(() => link.counters.crcErrors === 3, 'three CRC errors from GET_STATUS');
  link.close();
  await run;
});

test('a wrong firmware version is refused with a clear reason and nothing is configured', async () => {
  const { device, link, run } = start({ version: 'V00.02.16' });
  try {
    await run;
    assert.unreachable('should have failed');
  } catch (error) {
    assert.ok(error instanceof DeviceUnusableError);
    assert.match((error as Error).message, /^firmware 00\.02\.16 is not the supported 01\.00\.01/);
  }
  assert.equal(requestOrders(link), [ORDER.PING]);
  assert.equal(device.configuredRadios, []);
  link.close();
});

test('an MCU with fewer radios than channels is refused', async () => {
  const { link, run } = start({ rxRadios: 2 });
  try {
    await run;
    assert.unreachable('should have failed');
  } catch (error) {
    assert.match((error as Error).message, /2 RX radios but 3 channels/);
  }
  link.close();
});

test('an unanswered request times out and the start sequence runs again', async () => {
  const device = new Semtech2g4Device();
  const framer = Semtech2g4Framer.forDevice();
  let dropped = 0;
  const link = memoryLink(driver(), (data, l) => {
    for (const request of framer.push(data)) {
      if (request.order === ORDER.GET_STATUS && dropped++ === 0) continue;
      l.toHost(Buffer.concat(device.handle(request)));
    }
  });
  openLinks.push(link);
  const run = link.session.run();
  await until(() => link.states.includes('receiving'), 'receiving', 4000);
  assert.is(link.counters.commandTimeouts, 1);
  assert.is(link.counters.reconfigures, 1);
  assert.equal(requestOrders(link).filter((order) => order === ORDER.PING).length, 2);
  link.close();
  await run;
});

test('a CONFIG_RX refused as a bad parameter makes the driver give up with the channel named', async () => {
  const device = new Semtech2g4Device();
  const framer = Semtech2g4Framer.forDevice();
  const link = memoryLink(driver(), (data, l) => {
    for (const request of framer.push(data)) {
      if (request.order === ORDER.CONFIG_RX) l.toHost(Buffer.from([request.requestId, 0, 1, 0x41, 1]));
      else l.toHost(Buffer.concat(device.handle(request)));
    }
  });
  openLinks.push(link);
  try {
    await link.session.run();
    assert.unreachable('should have failed');
  } catch (error) {
    assert.match((error as Error).message, /refused channel 0 \(2403000000 Hz SF12\): bad parameter/);
  }
  link.close();
});

test('noise from the MCU is skipped and counted; stray frames are counted as unexpected', async () => {
  const { device, link, run } = start();
  await until(() => device.configuredRadios.length === 3, 'configured');
  link.toHost(Buffer.from([0x30, 0x31, 0x32]));
  link.toHost(Buffer.from([0x05, 0x00, 0x01, 0x47, 0x00])); // a RESET ack nobody asked for
  device.receive({ radio: 2, payload: Buffer.from('x'), rssi: -70, snr: 1 });
  await until(() => link.frames.length === 1, 'the frame');
  assert.is(link.counters.discardedBytes, 3);
  assert.is(link.counters.unexpectedMessages, 1);
  link.close();
  await run;
});

test.run();
