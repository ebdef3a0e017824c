// Best-effort downlinks on the AT modems, in memory against the modem models: the commands each
// dialect sends, the settings the modem transmits with, host-clock timing, and getting back to
// receiving after success and failure alike.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TxRequest } from '../../../../../src/radio/downlink.js';
import type { AtDialect } from '../../../../../src/radio/serial/at/dialect.js';
import { atModemDriver } from '../../../../../src/radio/serial/at/driver.js';
import { loraE5 } from '../../../../../src/radio/serial/at/lora-e5.js';
import { rak3172 } from '../../../../../src/radio/serial/at/rak3172.js';
import { rn2483 } from '../../../../../src/radio/serial/at/rn2483.js';
import { hostTimeContext, hostTimeFromContext, lineTimeMs, planAtTransmit } from '../../../../../src/radio/serial/at/tx-plan.js';
import { type AtDeviceModel, LoraE5Device, Rak3172Device, Rn2483Device } from '../../../../../src/testing/serial/at-devices.js';
import { type MemoryLink, atModelLink } from '../../../../../src/testing/serial/memory-link.js';

const RX = { frequency: 868_100_000, spreadingFactor: 7, bandwidth: 125_000 };
const PAYLOAD = Buffer.from('60aabbccdd00010001c0ffee', 'hex');
const HEX = PAYLOAD.toString('hex').toUpperCase();

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

function rx2(overrides: Partial<TxRequest> = {}): TxRequest {
  return {
    payload: PAYLOAD,
    frequency: 869_525_000,
    modulation: 'LORA',
    spreadingFactor: 9,
    bandwidth: 125_000,
    codeRate: '4/5',
    power: 14,
    polarizationInversion: true,
    timing: { kind: 'immediate' },
    ...overrides,
  };
}

interface Started {
  link: MemoryLink;
  run: Promise<void>;
  /** Host ms at which each command line reached the modem. */
  commandTimes: Array<{ line: string; at: number }>;
}

function start(dialect: AtDialect, model: AtDeviceModel, txPrepareMs = 300): Started {
  const commandTimes: Array<{ line: string; at: number }> = [];
  const link = atModelLink(atModemDriver({ dialect, settings: RX, commandTimeoutMs: 300, txPrepareMs }), model, {
    chunkSize: 4,
    ignore: (line) => {
      commandTimes.push({ line, at: Date.now() });
      return false;
    },
  });
  openLinks.push(link);
  return { link, run: link.session.run(), commandTimes };
}

const sentLines = (link: MemoryLink): string[] => link.written.map((bytes) => bytes.toString('latin1').trimEnd());

const DIALECTS: Array<{ dialect: AtDialect; model: () => AtDeviceModel; commands: string[] }> = [
  {
    dialect: loraE5,
    model: () => new LoraE5Device(),
    commands: [
      'AT+TEST=RFCFG,869.525,SF9,125,8,8,14,ON,ON,ON',
      `AT+TEST=TXLRPKT,"${HEX}"`,
      'AT+TEST=RFCFG,868.1,SF7,125,8,8,14,ON,OFF,ON',
      'AT+TEST=RXLRPKT',
    ],
  },
  {
    dialect: rak3172,
    model: () => new Rak3172Device(),
    commands: [
      'AT+PRECV=0',
      'AT+PFREQ=869525000',
      'AT+PSF=9',
      'AT+PBW=125',
      'AT+PCR=0',
      'AT+PPL=8',
      'AT+PTP=14',
      'AT+IQINVER=1',
      `AT+PSEND=${HEX}`,
      'AT+IQINVER=0',
      'AT+PFREQ=868100000',
      'AT+PSF=7',
      'AT+PBW=125',
      'AT+PCR=0',
      'AT+PPL=8',
      'AT+PTP=14',
      'AT+PRECV=65534',
    ],
  },
  {
    dialect: rn2483,
    model: () => new Rn2483Device(),
    commands: [
      'radio rxstop',
      'radio set freq 869525000',
      'radio set sf sf9',
      'radio set bw 125',
      'radio set cr 4/5',
      'radio set prlen 8',
      'radio set pwr 14',
      'radio set iqi on',
      `radio tx ${HEX}`,
      'radio set iqi off',
      'radio set freq 868100000',
      'radio set sf sf7',
      'radio set bw 125',
      'radio set cr 4/5',
      'radio set prlen 8',
      'radio rx 0',
    ],
  },
];

for (const { dialect, model: makeModel, commands } of DIALECTS) {
  test(`${dialect.name}: an IQ-inverted RX2 downlink: exact commands, modem settings on air, receiving again after`, async () => {
    const model = makeModel();
    const { link, run } = start(dialect, model);
    await until(() => link.states.includes('receiving'), 'receiving');
    const configured = link.written.length;
    assert.is(await link.session.transmit(rx2()), 'OK');
    await until(() => model.listening, 'listening again');
    assert.equal(sentLines(link).slice(configured), commands);
    assert.equal(model.transmitted, [
      { payload: PAYLOAD, frequency: 869_525_000, spreadingFactor: 9, bandwidth: 125_000, codeRate: '4/5', power: 14, preamble: 8, invertIq: true },
    ]);
    assert.is(link.states.filter((state) => state === 'configuring').length, 1, 'no reconfigure');
    link.close();
    await run;
  });

  test(`${dialect.name}: a failed transmission is INTERNAL_ERROR and the modem still goes back to receiving`, async () => {
    const model = makeModel();
    model.refuseTransmit = true;
    const { link, run } = start(dialect, model);
    await until(() => link.states.includes('receiving'), 'receiving');
    assert.is(await link.session.transmit(rx2()), 'INTERNAL_ERROR');
    await until(() => model.listening, 'listening again');
    assert.is(model.transmitted?.length, 0);
    assert.is(link.states.filter((state) => state === 'configuring').length, 1, 'no reconfigure');
    // Received packets are still delivered afterwards.
    link.toHost(Buffer.from(model.packetLines({ payload: Buffer.from([1, 2, 3]), rssi: -40, snr: 7 }).map((l) => `${l}\r\n`).join(''), 'latin1'));
    await until(() => link.frames.length === 1, 'a frame after the failed downlink');
    link.close();
    await run;
  });
}

test('delayed: sent when the host clock reaches receivedAt + delay, timed from the frame context', async () => {
  const model = new LoraE5Device();
  const { link, run, commandTimes } = start(loraE5, model, 100);
  await until(() => link.states.includes('receiving'), 'receiving');
  link.toHost(Buffer.from(model.packetLines({ payload: Buffer.from('up'), rssi: -50, snr: 4 }).map((l) => `${l}\r\n`).join(''), 'latin1'));
  await until(() => link.frames.length === 1, 'the uplink');
  const frame = link.frames[0];
  assert.ok(frame.context?.equals(hostTimeContext(frame.receivedAt)), 'AT frames carry the host receive time');
  assert.is(await link.session.transmit(rx2({ timing: { kind: 'delay', context: frame.context as Buffer, delayMs: 400 } })), 'OK');
  const rfcfgAt = commandTimes.find((c) => c.line.startsWith('AT+TEST=RFCFG,869.525'))?.at ?? 0;
  const sendAt = commandTimes.find((c) => c.line.startsWith('AT+TEST=TXLRPKT'))?.at ?? 0;
  // Set up about txPrepareMs before, sent at the due time (never early).
  assert.ok(rfcfgAt >= frame.receivedAt + 400 - 100 - 5, `prepared at +${rfcfgAt - frame.receivedAt} ms`);
  assert.ok(rfcfgAt < frame.receivedAt + 400, 'prepared before it was due');
  assert.ok(sendAt >= frame.receivedAt + 400, `sent at +${sendAt - frame.receivedAt} ms`);
  assert.ok(sendAt < frame.receivedAt + 400 + 100, 'not long after');
  link.close();
  await run;
});

test('past due is TOO_LATE, far ahead TOO_EARLY, GPS time GPS_UNLOCKED; nothing reaches the modem', async () => {
  const model = new Rn2483Device();
  const { link, run } = start(rn2483, model);
  await until(() => link.states.includes('receiving'), 'receiving');
  const configured = link.written.length;
  const old = hostTimeContext(Date.now() - 2000);
  assert.is(await link.session.transmit(rx2({ timing: { kind: 'delay', context: old, delayMs: 1000 } })), 'TOO_LATE');
  assert.is(await link.session.transmit(rx2({ timing: { kind: 'delay', context: hostTimeContext(Date.now()), delayMs: 60_000 } })), 'TOO_EARLY');
  assert.is(await link.session.transmit(rx2({ timing: { kind: 'gps', gpsTimeMs: 1 } })), 'GPS_UNLOCKED');
  assert.is(link.written.length, configured);
  link.close();
  await run;
});

test('rn2483: radio_err after the tx command was accepted is INTERNAL_ERROR', async () => {
  const model = new Rn2483Device();
  const { link, run } = start(rn2483, model);
  await until(() => link.states.includes('receiving'), 'receiving');
  model.refuseTransmit = true;
  assert.is(await link.session.transmit(rx2()), 'INTERNAL_ERROR');
  assert.ok(sentLines(link).includes(`radio tx ${HEX}`), 'the tx command was sent and accepted');
  await until(() => model.listening, 'listening again');
  link.close();
  await run;
});

test('rak3172: firmware without AT+IQINVER fails the downlink (it would go out unheard) and keeps receiving', async () => {
  class OldRui3 extends Rak3172Device {
    override handleCommand(raw: string): string[] {
      return raw.trim().toUpperCase().startsWith('AT+IQINVER') ? ['AT_COMMAND_NOT_FOUND'] : super.handleCommand(raw);
    }
  }
  const model = new OldRui3();
  const { link, run } = start(rak3172, model);
  await until(() => link.states.includes('receiving'), 'receiving');
  assert.is(await link.session.transmit(rx2()), 'INTERNAL_ERROR');
  await until(() => model.listening, 'listening again');
  assert.is(model.transmitted.length, 0);
  assert.is(link.states.filter((state) => state === 'configuring').length, 1, 'no reconfigure');
  link.close();
  await run;
});

test('before the modem is configured a downlink is refused', async () => {
  const { link, run } = start(loraE5, new LoraE5Device());
  assert.is(await link.session.transmit(rx2()), 'INTERNAL_ERROR');
  link.close();
  await run;
});

test('planning: power capped at the modem maximum or refused below its minimum; unsupported rates refused', () => {
  const now = 1_700_000_000_000;
  const capped = planAtTransmit(loraE5, rx2({ power: 30 }));
  assert.ok(capped.ok && capped.settings.power === 22 && capped.clampedFrom === 30);
  const low = planAtTransmit(rak3172, rx2({ power: 2 }));
  assert.is(low.ok ? 'OK' : low.status, 'TX_POWER');
  const refusals: Array<[AtDialect, Partial<TxRequest>, string]> = [
    [loraE5, { codeRate: '4/6' }, 'INTERNAL_ERROR'],
    [loraE5, { spreadingFactor: 5 }, 'INTERNAL_ERROR'],
    [rn2483, { bandwidth: 62_500 }, 'INTERNAL_ERROR'],
    [rn2483, { frequency: 2_425_000_000 }, 'TX_FREQ'],
    [rak3172, { modulation: 'FSK', fskDatarate: 50_000 }, 'INTERNAL_ERROR'],
    [rak3172, { timing: { kind: 'delay', context: Buffer.alloc(4), delayMs: 1000 } }, 'INTERNAL_ERROR'],
  ];
  for (const [dialect, overrides, status] of refusals) {
    const plan = planAtTransmit(dialect, rx2(overrides));
    assert.is(plan.ok ? 'OK' : plan.status, status, `${dialect.name} ${JSON.stringify(overrides)}`);
  }
  const rn46 = planAtTransmit(rn2483, rx2({ codeRate: '4/6', preamble: 10 }));
  assert.ok(rn46.ok && rn46.settings.codeRate === '4/6' && rn46.settings.preamble === 10);
  const delayed = planAtTransmit(rn2483, rx2({ timing: { kind: 'delay', context: hostTimeContext(now - 300), delayMs: 1000 } }));
  assert.ok(delayed.ok && delayed.fireAt === now + 700);
  const immediate = planAtTransmit(rn2483, rx2());
  assert.ok(immediate.ok && immediate.fireAt === undefined);
});

test('host-time context: 8-byte big-endian ms, and the time a command line takes on the wire', () => {
  assert.is(hostTimeContext(1_700_000_000_000).toString('hex'), '0000018bcfe56800');
  assert.is(hostTimeFromContext(Buffer.from('0000018bcfe56800', 'hex')), 1_700_000_000_000);
  assert.is(hostTimeFromContext(Buffer.alloc(7)), undefined);
  // 10 characters + CR LF at 9600 baud, 10 bits each: 12.5 ms.
  assert.is(lineTimeMs('0123456789', 9600), 12.5);
});

test.run();
