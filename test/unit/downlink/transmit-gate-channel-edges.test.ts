// Transmit checks use the channel's edges (centre ± half its bandwidth inside one sub-band) and the
// preamble the Semtech forwarder really sends (at least 6 symbols; 8 when none is given).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TransmitGate, requestAirtimeMs } from '../../../src/downlink/transmit-gate.js';
import { airtimeMs, channelHalfWidth, subBandOfChannel, transmittedLoraPreamble } from '../../../src/lorawan/region-eu868.js';
import { silentLogger } from '../../../src/log.js';
import type { TxRequest } from '../../../src/radio/downlink.js';
import { FakeRadio } from '../../helpers/fake-radio.js';

function request(overrides: Partial<TxRequest> = {}): TxRequest {
  return {
    payload: Buffer.alloc(20, 0x5a),
    frequency: 868_100_000,
    modulation: 'LORA',
    spreadingFactor: 7,
    bandwidth: 125_000,
    codeRate: '4/5',
    power: 14,
    polarizationInversion: true,
    timing: { kind: 'immediate' },
    ...overrides,
  };
}

const CHANNEL_VECTORS: Array<[string, number, number, string | undefined]> = [
  // [what, centre Hz, half width Hz, sub-band or undefined]
  ['868.1 MHz / 125 kHz, inside g1', 868_100_000, 62_500, 'g1'],
  ['868.5 MHz / 125 kHz, upper edge 868.5625 inside g1', 868_500_000, 62_500, 'g1'],
  ['868.59 MHz / 125 kHz spills to 868.6525 (alarm gap)', 868_590_000, 62_500, undefined],
  ['868.03 MHz / 125 kHz spills below 868.0 into the next sub-band', 868_030_000, 62_500, undefined],
  ['869.40 MHz / 125 kHz starts at 869.3375, below g3', 869_400_000, 62_500, undefined],
  ['869.4625 MHz / 125 kHz starts exactly at 869.4 (edge inclusive)', 869_462_500, 62_500, 'g3'],
  ['RX2 869.525 MHz / 125 kHz', 869_525_000, 62_500, 'g3'],
  ['869.525 MHz / 250 kHz fills g3 exactly', 869_525_000, 125_000, 'g3'],
  ['869.6 MHz / 125 kHz spills over 869.65', 869_600_000, 62_500, undefined],
  ['863.05 MHz / 125 kHz starts below 863.0', 863_050_000, 62_500, undefined],
  ['864.1 MHz / 125 kHz', 864_100_000, 62_500, 'g (863.0-865.0)'],
  ['FSK 868.8 MHz, 50 kbit/s: 868.75-868.85 inside g2', 868_800_000, 50_000, 'g2'],
];

test('subBandOfChannel: channel edges, not the centre, decide', () => {
  for (const [what, f, half, want] of CHANNEL_VECTORS) assert.is(subBandOfChannel(f, half)?.name, want, what);
});

test('channelHalfWidth: LoRa half the bandwidth, FSK deviation + bit rate / 2', () => {
  assert.is(channelHalfWidth({ modulation: 'LORA', bandwidth: 125_000 }), 62_500);
  assert.is(channelHalfWidth({ modulation: 'FSK', fskDatarate: 50_000 }), 50_000);
  assert.is(channelHalfWidth({ modulation: 'LORA' }), undefined);
});

test('transmittedLoraPreamble: none or 0 -> 8, below 6 -> 6 (as lora_pkt_fwd and the HAL pad)', () => {
  const vectors: Array<[number | undefined, number]> = [[undefined, 8], [0, 8], [1, 6], [5, 6], [6, 6], [8, 8], [12, 12]];
  for (const [asked, sent] of vectors) assert.is(transmittedLoraPreamble(asked), sent, `preamble ${asked}`);
});

test('airtime counts the padded preamble: SF7/125 kHz, 20 bytes, CR 4/5', () => {
  // 8 symbols: (8 + 4.25) * 1.024 + 43 * 1.024 = 56.576 ms; 6 symbols: 54.528 ms.
  assert.ok(Math.abs(airtimeMs(20, 7, 125_000) - 56.576) < 1e-9);
  assert.ok(Math.abs((requestAirtimeMs(request()) as number) - 56.576) < 1e-9);
  for (const preamble of [1, 2, 5, 6]) {
    assert.ok(Math.abs((requestAirtimeMs(request({ preamble })) as number) - 54.528) < 1e-9, `preamble ${preamble}`);
  }
  assert.ok(Math.abs((requestAirtimeMs(request({ preamble: 12 })) as number) - (56.576 + 4 * 1.024)) < 1e-9);
  // Without the padding a 2-symbol preamble would be booked 4 symbols short.
  assert.ok(airtimeMs(20, 7, 125_000, '4/5', 2) < (requestAirtimeMs(request({ preamble: 2 })) as number));
});

test('scheduler: TX_FREQ for channels spilling out of their sub-band, OK inside; power limit of the whole channel', async () => {
  const radio = new FakeRadio('udp');
  const scheduler = new TransmitGate({ sources: [radio], dutyCycle: true, maxTxPower: 27, logger: silentLogger(), now: () => 0 });
  assert.is(await scheduler.send(0, request({ frequency: 868_590_000 })), 'TX_FREQ');
  assert.is(await scheduler.send(0, request({ frequency: 869_400_000, power: 27 })), 'TX_FREQ');
  assert.is(await scheduler.send(0, request({ frequency: 869_400_000, power: 14 })), 'TX_FREQ');
  assert.is(radio.requests.length, 0, 'nothing may reach the radio');
  assert.is(await scheduler.send(0, request({ frequency: 869_525_000, power: 27 })), 'OK');
  assert.is(await scheduler.send(0, request({ frequency: 868_500_000, power: 14 })), 'OK');
  assert.is(await scheduler.send(0, request({ frequency: 868_500_000, power: 27 })), 'TX_POWER');
  assert.is(radio.requests.length, 2);
});

test('scheduler: the duty-cycle ledger books the padded preamble', async () => {
  const radio = new FakeRadio('udp');
  const scheduler = new TransmitGate({ sources: [radio], dutyCycle: true, maxTxPower: 27, logger: silentLogger(), now: () => 0 });
  assert.is(await scheduler.send(0, request({ preamble: 2 })), 'OK');
  const g1 = scheduler.counters().dutyCycle.find((d) => d.name === 'g1');
  assert.ok(g1 && Math.abs(g1.usedMs - 54.528) < 1e-9, JSON.stringify(g1));
});

test.run();
