// TxRequest -> txpk (Semtech PROTOCOL: PULL_RESP JSON) and TX_ACK error -> TxStatus.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TxRequest } from '../../../../src/radio/downlink.js';
import { buildTxpk, tmstAfter, txStatusFromTxAck, type Txpk } from '../../../../src/radio/udp/txpk.js';

const PAYLOAD = Buffer.from('60f17dbe4900010001a1b2c3d4', 'hex');

function tmstContext(tmst: number): Buffer {
  const context = Buffer.alloc(4);
  context.writeUInt32BE(tmst);
  return context;
}

function request(overrides: Partial<TxRequest> = {}): TxRequest {
  return {
    payload: PAYLOAD,
    frequency: 868_100_000,
    modulation: 'LORA',
    spreadingFactor: 9,
    bandwidth: 125_000,
    codeRate: '4/5',
    power: 14,
    polarizationInversion: true,
    timing: { kind: 'delay', context: tmstContext(3_000_000), delayMs: 1000 },
    ...overrides,
  };
}

function txpkOf(req: TxRequest): Txpk {
  const result = buildTxpk(req);
  if (!result.ok) throw new Error(`expected a txpk, got ${result.status}: ${result.reason}`);
  return result.txpk;
}

test('class A RX1: tmst = uplink tmst + 1 s in µs, every LoRa field as lora_pkt_fwd reads it', () => {
  assert.equal(txpkOf(request()), {
    tmst: 4_000_000,
    freq: 868.1,
    rfch: 0,
    powe: 14,
    modu: 'LORA',
    datr: 'SF9BW125',
    codr: '4/5',
    ipol: true,
    size: 13,
    data: PAYLOAD.toString('base64'),
  });
});

test('join accept delay 5 s and RX2 at 869.525 MHz SF12', () => {
  const txpk = txpkOf(request({ frequency: 869_525_000, spreadingFactor: 12, timing: { kind: 'delay', context: tmstContext(123_456_789), delayMs: 6000 } }));
  assert.is(txpk.tmst, 129_456_789);
  assert.is(txpk.datr, 'SF12BW125');
  assert.ok(JSON.stringify(txpk).includes('"freq":869.525,'));
});

test('tmst wraps modulo 2^32 (the counter rolls over every ~71.6 minutes)', () => {
  assert.is(tmstAfter(tmstContext(0xffff_ff00), 1000), (0xffff_ff00 + 1_000_000) - 0x1_0000_0000);
  assert.is(txpkOf(request({ timing: { kind: 'delay', context: tmstContext(4_294_000_000), delayMs: 5000 } })).tmst, 4_032_704);
  assert.is(tmstAfter(tmstContext(0xffff_ffff), 0), 0xffff_ffff);
  // Extra context bytes (a longer source context) are ignored; fewer than 4 cannot be used.
  assert.is(tmstAfter(Buffer.from([0, 0, 0, 1, 9, 9]), 1), 1001);
  assert.is(tmstAfter(Buffer.from([0, 0, 1]), 1), undefined);
  assert.is(tmstAfter(tmstContext(0), -1), undefined);
});

test('immediate (class C) sets imme and no timestamp; gps sets tmms', () => {
  const imme = txpkOf(request({ timing: { kind: 'immediate' } }));
  assert.is(imme.imme, true);
  assert.is(imme.tmst, undefined);
  assert.is(imme.tmms, undefined);
  const gps = txpkOf(request({ timing: { kind: 'gps', gpsTimeMs: 1_400_000_000_123 } }));
  assert.is(gps.tmms, 1_400_000_000_123);
  assert.is(gps.imme, undefined);
  assert.is(gps.tmst, undefined);
});

test('frequencies are written as their exact MHz decimal for every EU868 and 2.4 GHz channel', () => {
  const cases: Array<[number, string]> = [
    [868_100_000, '868.1'],
    [868_300_000, '868.3'],
    [867_100_000, '867.1'],
    [869_525_000, '869.525'],
    [869_462_500, '869.4625'],
    [2_403_000_000, '2403'],
    [863_000_100, '863.0001'],
  ];
  for (const [hz, text] of cases) {
    const json = JSON.stringify(txpkOf(request({ frequency: hz })));
    assert.ok(json.includes(`"freq":${text},`), `${hz} -> ${json}`);
  }
});

test('power is whole dBm rounded down; code rate defaults to 4/5; preamble only when given', () => {
  const txpk = txpkOf(request({ power: 16.15, codeRate: undefined, preamble: 12 }));
  assert.is(txpk.powe, 16);
  assert.is(txpk.codr, '4/5');
  assert.is(txpk.prea, 12);
  assert.is(txpkOf(request()).prea, undefined);
  assert.is(txpkOf(request({ polarizationInversion: false })).ipol, false);
  assert.is(txpkOf(request({ spreadingFactor: 7, bandwidth: 250_000 })).datr, 'SF7BW250');
  // ChirpStack's bridge never sets ncrc; neither do we.
  assert.not.ok('ncrc' in txpk);
});

test('FSK: numeric datr, deviation half the bit rate, no LoRa fields', () => {
  const txpk = txpkOf(request({ modulation: 'FSK', spreadingFactor: undefined, bandwidth: undefined, codeRate: undefined, fskDatarate: 50_000, frequency: 868_800_000 }));
  assert.is(txpk.modu, 'FSK');
  assert.is(txpk.datr, 50_000);
  assert.is(txpk.fdev, 25_000);
  assert.is(txpk.codr, undefined);
  assert.is(txpk.ipol, undefined);
});

test('requests that cannot become a txpk are refused with a status and a reason', () => {
  const refusals: Array<[Partial<TxRequest>, string]> = [
    [{ timing: { kind: 'delay', context: Buffer.alloc(2), delayMs: 1000 } }, 'INTERNAL_ERROR'],
    [{ spreadingFactor: undefined }, 'INTERNAL_ERROR'],
    [{ bandwidth: 123_000 }, 'INTERNAL_ERROR'],
    [{ payload: Buffer.alloc(0) }, 'INTERNAL_ERROR'],
    [{ payload: Buffer.alloc(256) }, 'INTERNAL_ERROR'],
    [{ frequency: 868.1 }, 'TX_FREQ'],
    [{ power: Number.NaN }, 'TX_POWER'],
    [{ modulation: 'FSK', fskDatarate: undefined }, 'INTERNAL_ERROR'],
    [{ preamble: 0 }, 'INTERNAL_ERROR'],
    [{ timing: { kind: 'gps', gpsTimeMs: -5 } }, 'INTERNAL_ERROR'],
  ];
  for (const [overrides, status] of refusals) {
    const result = buildTxpk(request(overrides));
    assert.is(result.ok, false, JSON.stringify(overrides));
    if (!result.ok) {
      assert.is(result.status, status, JSON.stringify(overrides));
      assert.ok(result.reason.length > 10);
    }
  }
});

test('TX_ACK errors map to the TxStatus of the same name; no error is OK; others INTERNAL_ERROR', () => {
  assert.is(txStatusFromTxAck(null), 'OK');
  for (const name of ['TOO_LATE', 'TOO_EARLY', 'COLLISION_PACKET', 'COLLISION_BEACON', 'TX_FREQ', 'TX_POWER', 'GPS_UNLOCKED']) {
    assert.is(txStatusFromTxAck(name), name);
  }
  assert.is(txStatusFromTxAck('UNKNOWN'), 'INTERNAL_ERROR');
  assert.is(txStatusFromTxAck('too_late'), 'INTERNAL_ERROR');
  assert.is(txStatusFromTxAck('DUTY_CYCLE_OVERFLOW'), 'INTERNAL_ERROR');
});

test.run();
