// Radio metadata plausibility: vectors per reason and per band (EU868 for the packet forwarder and
// the AT modems, 2.4 GHz for the SX1280 driver).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRadioFrame } from '../../../src/radio/plausibility.js';
import type { RadioFrame } from '../../../src/radio/radio-frame.js';

function frame(over: Partial<RadioFrame> = {}): RadioFrame {
  return {
    source: 'udp', receivedAt: Date.UTC(2026, 11, 6), frequency: 868_100_000, modulation: 'LORA', spreadingFactor: 7, bandwidth: 125_000,
    crc: 'ok', rssi: -80, snr: 7.5, payload: Buffer.from([1]), ...over,
  };
}

test('a sane frame passes in its band and fails in the other', () => {
  assert.is(checkRadioFrame(frame(), ['eu868']), undefined);
  assert.is(checkRadioFrame(frame(), ['ism2400'])?.reason, 'frequency');
  const g24 = frame({ frequency: 2_425_000_000, bandwidth: 812_500, spreadingFactor: 12 });
  assert.is(checkRadioFrame(g24, ['ism2400']), undefined);
  assert.is(checkRadioFrame(g24, ['eu868'])?.reason, 'frequency');
});

test('vectors: each absurd field is refused with its reason', () => {
  const vectors: Array<[string, Partial<RadioFrame>, string | undefined]> = [
    ['freq 1e308 MHz (Infinity Hz)', { frequency: Infinity }, 'frequency'],
    ['NaN frequency', { frequency: NaN }, 'frequency'],
    ['433 MHz', { frequency: 433_175_000 }, 'frequency'],
    ['863.0 MHz edge', { frequency: 863_000_000 }, undefined],
    ['870.0 MHz edge', { frequency: 870_000_000 }, undefined],
    ['870.000001 MHz', { frequency: 870_000_001 }, 'frequency'],
    ['fractional Hz', { frequency: 868_100_000.5 }, 'frequency'],
    ['rssi -1e308', { rssi: -1e308 }, 'rssi'],
    ['rssi -200', { rssi: -200 }, undefined],
    ['rssi +21', { rssi: 21 }, 'rssi'],
    ['rssi NaN', { rssi: NaN }, 'rssi'],
    ['snr 1e308', { snr: 1e308 }, 'snr'],
    ['snr -50', { snr: -50 }, undefined],
    ['snr -50.25', { snr: -50.25 }, 'snr'],
    ['sf 13', { spreadingFactor: 13 }, 'modulation'],
    ['bw 0', { bandwidth: 0 }, 'modulation'],
    ['channel 256', { channel: 256 }, 'modulation'],
    ['counter 2^32', { counterUs: 2 ** 32 }, 'counter'],
    ['counter -1', { counterUs: -1 }, 'counter'],
    ['counter u32 max', { counterUs: 2 ** 32 - 1 }, undefined],
    ['gps time 2^52 ms (year ~144,000)', { gpsTimeMs: 2 ** 52 }, 'gps_time'],
    ['gps time 2026', { gpsTimeMs: 1_449_000_000_000 }, undefined],
    ['gw time 1970', { gwTime: '1970-01-01T00:00:00Z' }, 'gw_time'],
    ['gw time year 275760', { gwTime: '+275760-09-13T00:00:00Z' }, 'gw_time'],
    ['gw time not ISO', { gwTime: 'yesterday' }, 'gw_time'],
    ['gw time compact µs', { gwTime: '2026-12-06T10:00:00.123456Z' }, undefined],
    ['gw time 2013 (protocol example)', { gwTime: '2013-03-31T16:21:17.528002Z' }, undefined],
  ];
  for (const [what, over, reason] of vectors) assert.is(checkRadioFrame(frame(over), ['eu868'])?.reason, reason, what);
});

test('details are short even for absurd input', () => {
  const r = checkRadioFrame(frame({ gwTime: 'x'.repeat(100_000) }), ['eu868']);
  assert.ok(r && r.detail.length < 200);
});

test.run();
