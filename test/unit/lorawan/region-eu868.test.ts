// EU868 regional parameters: tables from RP002-1.0.x (EU863-870), sub-bands from ERC REC 70-03,
// time on air worked out by hand from the Semtech AN1200.13 formula.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LoRaWANError } from '../../../src/lorawan/errors.js';
import {
  EU868,
  airtimeMs,
  dataRateOf,
  dataRateParams,
  fskAirtimeMs,
  maxEirpDbm,
  maxFrmPayload,
  maxMacPayload,
  rx1Params,
} from '../../../src/lorawan/region-eu868.js';

function throwsBadField(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, LoRaWANError);
    assert.is((err as LoRaWANError).code, 'bad_field');
    assert.match((err as Error).message, message);
    return;
  }
  assert.unreachable('expected a LoRaWANError');
}

test('constants: receive delays, join-accept delays, RX2 defaults', () => {
  assert.is(EU868.rx1DelayMs, 1000);
  assert.is(EU868.rx2DelayMs, 2000);
  assert.is(EU868.joinAcceptDelay1Ms, 5000);
  assert.is(EU868.joinAcceptDelay2Ms, 6000);
  assert.is(EU868.defaultRx2Frequency, 869_525_000);
  assert.is(EU868.defaultRx2DataRate, 0);
  assert.is(EU868.defaultTxPowerDbm, 14);
});

test('data rates DR0..DR6 both ways; DR7 is FSK, 500 kHz is not EU868', () => {
  const table: Array<[number, number, number]> = [
    [0, 12, 125000],
    [1, 11, 125000],
    [2, 10, 125000],
    [3, 9, 125000],
    [4, 8, 125000],
    [5, 7, 125000],
    [6, 7, 250000],
  ];
  for (const [dr, sf, bw] of table) {
    assert.is(dataRateOf(sf, bw), dr, `SF${sf}/${bw}`);
    assert.equal(dataRateParams(dr), { dataRate: dr, spreadingFactor: sf, bandwidth: bw });
  }
  assert.is(dataRateOf(7, 500000), undefined);
  assert.is(dataRateOf(6, 125000), undefined);
  assert.is(dataRateParams(7), undefined);
  assert.is(dataRateParams(-1), undefined);
});

test('RX1: same frequency, DR = max(0, uplink DR - offset)', () => {
  assert.equal(rx1Params(868_300_000, 5, 0), { frequency: 868_300_000, dataRate: 5 });
  assert.equal(rx1Params(868_500_000, 5, 2), { frequency: 868_500_000, dataRate: 3 });
  assert.equal(rx1Params(867_100_000, 1, 3), { frequency: 867_100_000, dataRate: 0 });
  assert.equal(rx1Params(868_100_000, 7, 5), { frequency: 868_100_000, dataRate: 2 });
  throwsBadField(() => rx1Params(868_100_000, 5, 6), /offset 6/);
  throwsBadField(() => rx1Params(868_100_000, 8, 0), /data rate 8/);
  throwsBadField(() => rx1Params(Number.NaN, 0, 0), /frequency/);
});

test('maximum payload per data rate (RP002 table, no repeater): N = M - 8', () => {
  const expectedN = [51, 51, 51, 115, 242, 242, 242, 242];
  expectedN.forEach((n, dr) => {
    assert.is(maxFrmPayload(dr), n, `DR${dr}`);
    assert.is(maxMacPayload(dr), n + 8, `DR${dr} M`);
  });
  throwsBadField(() => maxFrmPayload(8), /data rate 8/);
});

test('EIRP limits per sub-band; nothing outside the usable sub-bands', () => {
  assert.is(maxEirpDbm(868_100_000), 16);
  assert.is(maxEirpDbm(867_500_000), 16);
  assert.is(maxEirpDbm(864_000_000), 16);
  assert.is(maxEirpDbm(869_525_000), 27);
  assert.is(maxEirpDbm(868_900_000), 16);
  assert.is(maxEirpDbm(869_800_000), 16);
  // Alarm bands and outside the band.
  assert.is(maxEirpDbm(868_650_000), -Infinity);
  assert.is(maxEirpDbm(869_300_000), -Infinity);
  assert.is(maxEirpDbm(869_675_000), -Infinity);
  assert.is(maxEirpDbm(862_900_000), -Infinity);
  assert.is(maxEirpDbm(870_000_000), -Infinity);
  assert.is(maxEirpDbm(915_000_000), -Infinity);
});

test('time on air, SF7/125 kHz, 13 bytes, CRC on: 12.25 + 33 symbols of 1.024 ms', () => {
  // (8*13 - 28 + 28 + 16) / 28 = 4.29 -> 5 blocks * 5 + 8 = 33 symbols.
  assert.is(airtimeMs(13, 7, 125000), 46.336);
});

test('time on air, SF12/125 kHz, 13 bytes: low data-rate optimisation (SF - 2)', () => {
  // (104 - 48 + 28 + 16) / (4 * 10) = 2.5 -> 3 * 5 + 8 = 23 symbols of 32.768 ms, preamble 401.408 ms.
  assert.ok(Math.abs(airtimeMs(13, 12, 125000) - 1155.072) < 1e-9);
});

test('time on air, SF11/125 kHz, 20 bytes: low data-rate optimisation is on', () => {
  // (160 - 44 + 44) / 36 = 4.44 -> 5 * 5 + 8 = 33 symbols of 16.384 ms + 12.25 * 16.384.
  assert.ok(Math.abs(airtimeMs(20, 11, 125000) - 741.376) < 1e-9);
});

test('time on air, SF9/125 kHz, 23 bytes (DR3)', () => {
  // (184 - 36 + 44) / 36 = 5.33 -> 6 * 5 + 8 = 38 symbols of 4.096 ms + 50.176 ms preamble.
  assert.ok(Math.abs(airtimeMs(23, 9, 125000) - 205.824) < 1e-9);
});

test('time on air: downlink without CRC, code rate 4/8, implicit header, 250 kHz', () => {
  // No CRC: (104 - 28 + 28) / 28 = 3.71 -> 4 * 5 + 8 = 28 symbols.
  assert.ok(Math.abs(airtimeMs(13, 7, 125000, '4/5', 8, true, false) - 41.216) < 1e-9);
  // 4/8: 5 blocks * 8 + 8 = 48 symbols.
  assert.ok(Math.abs(airtimeMs(13, 7, 125000, '4/8') - 61.696) < 1e-9);
  // Implicit header: (120 - 20) / 28 = 3.57 -> 4 * 5 + 8 = 28 symbols.
  assert.ok(Math.abs(airtimeMs(13, 7, 125000, '4/5', 8, false, true) - 41.216) < 1e-9);
  // DR6: symbols half as long as SF7/125.
  assert.ok(Math.abs(airtimeMs(13, 7, 250000) - 23.168) < 1e-9);
  // Longer preamble: 14.25 symbols.
  assert.ok(Math.abs(airtimeMs(13, 7, 125000, '4/5', 10) - (14.25 + 33) * 1.024) < 1e-9);
});

test('time on air rejects impossible parameters', () => {
  throwsBadField(() => airtimeMs(13, 13, 125000), /spreading factor 13/);
  throwsBadField(() => airtimeMs(256, 7, 125000), /length 256/);
  throwsBadField(() => airtimeMs(13, 7, 0), /bandwidth/);
  throwsBadField(() => airtimeMs(13, 7, 125000, '4/9'), /code rate 4\/9/);
});

test('FSK 50 kbit/s time on air: preamble 5 + sync 3 + length 1 + payload + CRC 2 bytes', () => {
  assert.ok(Math.abs(fskAirtimeMs(13) - (24 * 8) / 50) < 1e-9);
  assert.ok(Math.abs(fskAirtimeMs(13, 50000, false) - (22 * 8) / 50) < 1e-9);
  throwsBadField(() => fskAirtimeMs(13, 0), /bit rate/);
});

test.run();
