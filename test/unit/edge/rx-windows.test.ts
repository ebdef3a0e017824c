// Receive windows (EU868): join accept at 5/6 s with RX1 offset 0 and the default RX2 (869.525 MHz,
// DR0); data at RxDelay / +1 s with the configured offset and RX2; what fits in which window.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classAWindows, dataWindowSettings, downlinkRequest, joinAcceptWindowSettings, uplinkDataRate } from '../../../src/edge/rx-windows.js';
import { planClassA } from '../../../src/edge/class-a-plan.js';

const SF9 = { frequency: 868_300_000, modulation: 'LORA' as const, spreadingFactor: 9, bandwidth: 125_000 };

test('uplink data rates: SF12/125 DR0, SF7/125 DR5, SF7/250 DR6, FSK DR7, unknown undefined', () => {
  assert.is(uplinkDataRate({ modulation: 'LORA', spreadingFactor: 12, bandwidth: 125_000 }), 0);
  assert.is(uplinkDataRate({ modulation: 'LORA', spreadingFactor: 7, bandwidth: 125_000 }), 5);
  assert.is(uplinkDataRate({ modulation: 'LORA', spreadingFactor: 7, bandwidth: 250_000 }), 6);
  assert.is(uplinkDataRate({ modulation: 'FSK' }), 7);
  assert.is(uplinkDataRate({ modulation: 'LORA', spreadingFactor: 7, bandwidth: 500_000 }), undefined);
});

test('join accept windows: RX1 on the uplink channel and DR at 5 s, RX2 869.525 MHz DR0 at 6 s', () => {
  assert.equal(classAWindows(SF9, joinAcceptWindowSettings()), [
    { name: 'RX1', frequency: 868_300_000, dataRate: 3, delayMs: 5000 },
    { name: 'RX2', frequency: 869_525_000, dataRate: 0, delayMs: 6000 },
  ]);
});

test('data windows: RxDelay 2 s, offset 2, RX2 DR3 from the settings', () => {
  const s = dataWindowSettings({ rxDelay: 2, rx1DrOffset: 2, rx2Frequency: 869_525_000, rx2DataRate: 3 });
  assert.equal(classAWindows(SF9, s), [
    { name: 'RX1', frequency: 868_300_000, dataRate: 1, delayMs: 2000 },
    { name: 'RX2', frequency: 869_525_000, dataRate: 3, delayMs: 3000 },
  ]);
});

test('unknown uplink data rate: RX2 only', () => {
  const s = dataWindowSettings({ rxDelay: 1, rx1DrOffset: 0, rx2Frequency: 869_525_000, rx2DataRate: 0 });
  assert.equal(classAWindows({ frequency: 868_100_000, modulation: 'LORA' }, s).map((w) => w.name), ['RX2']);
});

test('requests: inverted polarisation, SF/BW of the DR, power min(ceiling, sub-band limit)', () => {
  const payload = Buffer.from([0x20, 1, 2, 3]);
  const r = downlinkRequest(payload, 868_100_000, 5, { kind: 'immediate' }, 27)!;
  assert.equal({ ...r, payload: undefined }, {
    payload: undefined, frequency: 868_100_000, power: 16, polarizationInversion: true, timing: { kind: 'immediate' },
    modulation: 'LORA', spreadingFactor: 7, bandwidth: 125_000, codeRate: '4/5',
  });
  assert.is(downlinkRequest(payload, 869_525_000, 0, { kind: 'immediate' }, 27)!.power, 27);
  assert.is(downlinkRequest(payload, 869_525_000, 0, { kind: 'immediate' }, 14)!.power, 14);
  assert.equal(downlinkRequest(payload, 869_525_000, 7, { kind: 'immediate' }, 14)!.fskDatarate, 50_000);
  assert.is(downlinkRequest(payload, 869_525_000, 9, { kind: 'immediate' }, 14), undefined);
});

const rx1Dr0 = [
  { name: 'RX1' as const, frequency: 868_100_000, dataRate: 0, delayMs: 1000 },
  { name: 'RX2' as const, frequency: 869_525_000, dataRate: 3, delayMs: 2000 },
];

test('plan: a command that fits with the MAC answers goes in every window that carries both', () => {
  const p = planClassA(rx1Dr0, Buffer.from([2, 10, 1]), 40);
  assert.ok(p.includeCommand);
  assert.equal(p.windows.map((w) => w.name), ['RX1', 'RX2']);
  assert.is(p.fOpts.length, 3);
});

test('plan: DR0 carries 51 bytes, so 60 bytes go in RX2 (DR3, 115) only', () => {
  const p = planClassA(rx1Dr0, Buffer.alloc(0), 60);
  assert.equal(p.windows.map((w) => w.name), ['RX2']);
});

test('plan: the MAC answers give way to a command that only fits alone', () => {
  const windows = [{ name: 'RX1' as const, frequency: 868_100_000, dataRate: 0, delayMs: 1000 }];
  const p = planClassA(windows, Buffer.from([2, 10, 1]), 50);
  assert.ok(p.includeCommand);
  assert.ok(p.macDropped);
  assert.is(p.fOpts.length, 0);
});

test('plan: a command too long for every window waits; the ACK/MAC frame still goes', () => {
  const p = planClassA(rx1Dr0, Buffer.from([2, 10, 1]), 200);
  assert.not.ok(p.includeCommand);
  assert.ok(p.commandTooLong);
  assert.is(p.windows.length, 2);
});

test.run();
