// The duty-cycle budget survives a restart: a daemon restarting in a loop must not get a fresh hour.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransmitGate } from '../../../src/downlink/transmit-gate.js';
import { DutyCycleLedger } from '../../../src/lorawan/region-eu868.js';
import { silentLogger } from '../../../src/log.js';
import type { TxRequest } from '../../../src/radio/downlink.js';
import { FakeRadio } from '../../helpers/fake-radio.js';

const radio = new FakeRadio('fake');
// SF12/125 kHz, 64 bytes: 2793.472 ms on air; 12 fit into 1 % of an hour (36 s), the 13th does not.
const big: TxRequest = {
  payload: Buffer.alloc(64, 1), frequency: 868_100_000, modulation: 'LORA', spreadingFactor: 12, bandwidth: 125_000,
  codeRate: '4/5', power: 14, polarizationInversion: true, timing: { kind: 'immediate' },
};

test('airtime used before a restart still counts after it, until it leaves the hour', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-dc-'));
  const statePath = join(dir, 'duty-cycle.json');
  let t = 1_000_000;
  const make = () => new TransmitGate({ sources: [radio], dutyCycle: true, maxTxPower: 27, logger: silentLogger(), now: () => t, statePath });
  try {
    const first = make();
    for (let i = 0; i < 12; i++) assert.is(await first.send(0, big), 'OK');
    first.close();

    t += 60_000;
    const second = make();
    assert.is(await second.send(0, big), 'DUTY_CYCLE_OVERFLOW', 'the saved airtime still counts');
    second.close();

    t += 3_600_000;
    const third = make();
    assert.is(await third.send(0, big), 'OK', 'an hour later the budget is free again');
    third.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreadable state file means starting from none, not a crash', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lora-edge-dc-'));
  const statePath = join(dir, 'duty-cycle.json');
  writeFileSync(statePath, '{not json');
  try {
    const s = new TransmitGate({ sources: [radio], dutyCycle: true, maxTxPower: 27, logger: silentLogger(), statePath });
    assert.is(await s.send(0, big), 'OK');
    s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ledger entries round trip; stale, unknown and malformed entries are ignored', () => {
  let t = 10_000_000;
  const a = new DutyCycleLedger({ now: () => t });
  assert.ok(a.tryConsume(868_100_000, 100));
  assert.ok(a.tryConsume(869_525_000, 50));
  const saved = a.entries();
  assert.is(saved.length, 2);
  const b = new DutyCycleLedger({ now: () => t });
  const restored = b.restore([...saved, { band: 'nope', at: t, airtimeMs: 5 }, { band: saved[0].band, at: t - 4_000_000, airtimeMs: 5 },
    { band: saved[0].band, at: Number.NaN, airtimeMs: 5 }]);
  assert.is(restored, 2);
  assert.equal(b.usage(), a.usage());
});

test.run();
