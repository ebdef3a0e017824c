// The AT engine against the modem models, in memory (no pty): what it sends, what it makes of replies.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AtDialect } from '../../../../../src/radio/serial/at/dialect.js';
import { atModemDriver } from '../../../../../src/radio/serial/at/driver.js';
import { loraE5 } from '../../../../../src/radio/serial/at/lora-e5.js';
import { rak3172 } from '../../../../../src/radio/serial/at/rak3172.js';
import { rn2483 } from '../../../../../src/radio/serial/at/rn2483.js';
import { DeviceUnusableError } from '../../../../../src/radio/serial/errors.js';
import { hostTimeContext } from '../../../../../src/radio/serial/at/tx-plan.js';
import { type AtDeviceModel, LoraE5Device, Rak3172Device, Rn2483Device } from '../../../../../src/testing/serial/at-devices.js';
import { type MemoryLink, atModelLink } from '../../../../../src/testing/serial/memory-link.js';

const SETTINGS = { frequency: 868_100_000, spreadingFactor: 7, bandwidth: 125_000 };
const NOW = 1_700_000_000_000;

// Links still open when a test fails are closed here, so a failure cannot hang the file.
const openLinks: MemoryLink[] = [];
test.after.each(() => {
  for (const link of openLinks.splice(0)) link.close();
});
const PAYLOAD = Buffer.from('4c4f52412d53494d0000002a', 'hex');

async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function start(
  dialect: AtDialect,
  model: AtDeviceModel,
  options: { ignore?: (command: string) => boolean; commandTimeoutMs?: number } = {},
): { link: MemoryLink; run: Promise<void> } {
  const link = atModelLink(atModemDriver({ dialect, settings: SETTINGS, commandTimeoutMs: options.commandTimeoutMs }), model, {
    chunkSize: 3,
    now: () => NOW,
    ignore: options.ignore,
  });
  openLinks.push(link);
  return { link, run: link.session.run() };
}

const sent = (link: MemoryLink): string[] => link.written.map((bytes) => bytes.toString('latin1'));
const lines = (model: AtDeviceModel, rssi: number, snr: number, payload = PAYLOAD): Buffer =>
  Buffer.from(model.packetLines({ payload, rssi, snr }).map((line) => `${line}\r\n`).join(''), 'latin1');

const expectedFrame = (rssi: number, snr: number) => ({
  source: 'memory',
  receivedAt: NOW,
  frequency: 868_100_000,
  channel: 0,
  rfChain: 0,
  modulation: 'LORA',
  spreadingFactor: 7,
  bandwidth: 125_000,
  codeRate: '4/5',
  crc: 'ok',
  rssi,
  snr,
  payload: PAYLOAD,
  context: hostTimeContext(NOW),
});

test('lora-e5: configures, arms, and turns the two-line report into a frame', async () => {
  const model = new LoraE5Device();
  const { link, run } = start(loraE5, model);
  await until(() => link.states.includes('receiving'), 'receiving');
  assert.equal(sent(link), ['AT\r\n', 'AT+MODE=TEST\r\n', 'AT+TEST=RFCFG,868.1,SF7,125,8,8,14,ON,OFF,ON\r\n', 'AT+TEST=RXLRPKT\r\n']);
  assert.ok(model.listening);
  link.toHost(lines(model, -45, 9));
  await until(() => link.frames.length === 1, 'a frame');
  assert.equal(link.frames[0], expectedFrame(-45, 9));
  link.close();
  await run;
});

test('lora-e5: a payload line without metadata, a length mismatch, noise and an overlong line are counted, not delivered', async () => {
  const model = new LoraE5Device();
  const { link, run } = start(loraE5, model);
  await until(() => link.states.includes('receiving'), 'receiving');
  link.toHost(Buffer.from('+TEST: RX "0102"\r\n+TEST: LEN:5, RSSI:-50, SNR:3\r\n+TEST: RX "0102"\r\n\u0000junk\r\n', 'latin1'));
  link.toHost(Buffer.from(`${'Z'.repeat(2000)}\r\n`, 'latin1'));
  link.toHost(lines(model, -60, -2));
  await until(() => link.frames.length === 1, 'the good frame');
  assert.equal(link.frames[0], expectedFrame(-60, -2));
  assert.is(link.counters.malformedMessages, 2);
  assert.is(link.counters.unexpectedMessages, 1);
  assert.is(link.counters.overlongLines, 1);
  assert.is(link.counters.discardedBytes, 2000);
  link.close();
  await run;
});

test('lora-e5: an unanswered command times out and the whole sequence runs again', async () => {
  const model = new LoraE5Device();
  let ignored = 0;
  const { link, run } = start(loraE5, model, { commandTimeoutMs: 40, ignore: (command) => command === 'AT+MODE=TEST' && ignored++ === 0 });
  await until(() => link.states.includes('receiving'), 'receiving', 4000);
  assert.is(link.counters.commandTimeouts, 1);
  assert.is(link.counters.reconfigures, 1);
  assert.equal(sent(link).slice(0, 3), ['AT\r\n', 'AT+MODE=TEST\r\n', 'AT\r\n']);
  link.close();
  await run;
});

test('lora-e5: a modem that keeps refusing the settings makes the session fail with the reason', async () => {
  const model = new LoraE5Device();
  const refusing: AtDeviceModel = {
    get listening() {
      return model.listening;
    },
    handleCommand: (line) => (line.startsWith('AT+TEST=RFCFG') ? ['+TEST: ERROR(-1)'] : model.handleCommand(line)),
    packetLines: (packet) => model.packetLines(packet),
    powerCycle: () => model.powerCycle(),
  };
  const { link, run } = start(loraE5, refusing);
  try {
    await run;
    assert.unreachable('should have failed');
  } catch (error) {
    assert.ok(error instanceof DeviceUnusableError);
    assert.match((error as Error).message, /lora-e5 refused "AT\+TEST=RFCFG,868.1,SF7,125,8,8,14,ON,OFF,ON": TEST ERROR\(-1\): parameter is invalid \(3 times/);
  }
  link.close();
});

test('rak3172: the event line carries RSSI and SNR; a receive timeout re-arms, a receive error does not', async () => {
  const model = new Rak3172Device();
  const { link, run } = start(rak3172, model);
  await until(() => link.states.includes('receiving'), 'receiving');
  assert.is(sent(link).at(-1), 'AT+PRECV=65534\r\n');
  link.toHost(lines(model, -28, 5));
  await until(() => link.frames.length === 1, 'a frame');
  assert.equal(link.frames[0], expectedFrame(-28, 5));

  link.toHost(Buffer.from(`${model.interrupt().join('\r\n')}\r\n`, 'latin1'));
  assert.not.ok(model.listening);
  await until(() => model.listening, 're-armed after the timeout');
  assert.is(sent(link).filter((line) => line === 'AT+PRECV=65534\r\n').length, 2);

  link.toHost(Buffer.from('+EVT:RXP2P RECEIVE ERROR\r\n', 'latin1'));
  await until(() => link.counters.rxErrors === 1, 'rx error counted');
  assert.is(sent(link).filter((line) => line === 'AT+PRECV=65534\r\n').length, 2);
  link.close();
  await run;
});

test('rak3172: a reboot while receiving starts the configuration again', async () => {
  const model = new Rak3172Device();
  const { link, run } = start(rak3172, model);
  await until(() => link.states.includes('receiving'), 'receiving');
  model.powerCycle();
  link.toHost(Buffer.from('Current Work Mode: LoRa P2P.\r\n', 'latin1'));
  await until(() => link.states.filter((state) => state === 'receiving').length === 2, 'receiving again', 4000);
  assert.is(link.counters.reconfigures, 1);
  assert.ok(model.listening);
  link.close();
  await run;
});

test('rn2483: fetches SNR and RSSI after each packet, then re-arms', async () => {
  const model = new Rn2483Device();
  const { link, run } = start(rn2483, model);
  await until(() => link.states.includes('receiving'), 'receiving');
  const configured = sent(link).length;
  link.toHost(lines(model, -97, -3));
  await until(() => link.frames.length === 1 && model.listening, 'a frame and re-arming');
  assert.equal(link.frames[0], expectedFrame(-97, -3));
  assert.equal(sent(link).slice(configured), ['radio get snr\r\n', 'radio get rssi\r\n', 'radio rx 0\r\n']);
  link.toHost(Buffer.from(`${model.interrupt().join('')}\r\n`, 'latin1'));
  await until(() => link.counters.rxErrors === 1 && model.listening, 're-armed after radio_err');
  link.close();
  await run;
});

test('rn2483: old firmware without packet RSSI still delivers frames (0 dBm) and stops asking', async () => {
  const model = new Rn2483Device();
  const oldFirmware: AtDeviceModel = {
    get listening() {
      return model.listening;
    },
    handleCommand: (line) => (line === 'radio get rssi' ? ['invalid_param'] : model.handleCommand(line)),
    packetLines: (packet) => model.packetLines(packet),
    powerCycle: () => model.powerCycle(),
  };
  const { link, run } = start(rn2483, oldFirmware);
  await until(() => link.states.includes('receiving'), 'receiving');
  link.toHost(lines(model, -90, 4));
  await until(() => link.frames.length === 1 && model.listening, 'first frame');
  link.toHost(lines(model, -91, 5));
  await until(() => link.frames.length === 2 && model.listening, 'second frame');
  assert.equal(link.frames.map((frame) => [frame.rssi, frame.snr]), [[0, 4], [0, 5]]);
  assert.is(sent(link).filter((line) => line === 'radio get rssi\r\n').length, 1);
  link.close();
  await run;
});

test('rn2483: a packet in the same read as the arm reply is still queried and re-armed', async () => {
  const model = new Rn2483Device();
  let first = true;
  const eager: AtDeviceModel = {
    get listening() {
      return model.listening;
    },
    handleCommand: (line) => {
      const replies = model.handleCommand(line);
      if (line !== 'radio rx 0' || !first) return replies;
      first = false;
      return [...replies, ...model.packetLines({ payload: PAYLOAD, rssi: -80, snr: 2 })];
    },
    packetLines: (packet) => model.packetLines(packet),
    powerCycle: () => model.powerCycle(),
  };
  const { link, run } = start(rn2483, eager);
  await until(() => link.frames.length === 1 && model.listening, 'the frame and re-arming');
  assert.equal(link.frames[0], expectedFrame(-80, 2));
  link.close();
  await run;
});

test('closing mid-configuration ends the session without further writes', async () => {
  const model = new LoraE5Device();
  const { link, run } = start(loraE5, model, { ignore: () => true, commandTimeoutMs: 10_000 });
  await until(() => link.written.length === 1, 'first command');
  link.close();
  await run;
  assert.is(link.written.length, 1);
});

test.run();
