// rxpk -> RadioFrame mapping. The first vectors are the examples of PROTOCOL.md section 4
// (Lora-net/packet_forwarder, sx1302_hal) and the 2.4 GHz one (gateway_2g4_hal).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rxpkToRadioFrame, type RxpkResult } from '../../../../src/radio/udp/rxpk.js';
import { formatLoraDatr, parseLoraDatr } from '../../../../src/radio/udp/datr.js';
import type { RadioFrame } from '../../../../src/radio/radio-frame.js';

const AT = 1_700_000_000_000;

function frameOf(rxpk: unknown): RadioFrame {
  const r = rxpkToRadioFrame(rxpk, 'udp', AT);
  if (!r.ok) return assert.unreachable(`expected a frame, got ${r.reason}: ${r.detail}`) as never;
  return r.frame;
}

function reasonOf(rxpk: unknown): string {
  const r: RxpkResult = rxpkToRadioFrame(rxpk, 'udp', AT);
  if (r.ok) return assert.unreachable('expected a failure, got a frame') as never;
  assert.ok(r.detail.length > 0);
  return r.reason;
}

const SPEC_LORA = {
  time: '2013-03-31T16:21:17.528002Z',
  tmst: 3512348611,
  chan: 2,
  rfch: 0,
  freq: 866.349812,
  stat: 1,
  modu: 'LORA',
  datr: 'SF7BW125',
  codr: '4/6',
  rssi: -35,
  lsnr: 5.1,
  size: 32,
  data: '-DS4CGaDCdG+48eJNM3Vai-zDpsR71Pn9CPA9uCON84',
};

test('LoRa example from the protocol document maps every field', () => {
  assert.equal(frameOf(SPEC_LORA), {
    source: 'udp',
    receivedAt: AT,
    frequency: 866_349_812,
    modulation: 'LORA',
    crc: 'ok',
    rssi: -35,
    payload: Buffer.from('f834b808668309d1bee3c78934cdd56a2fb30e9b11ef53e7f423c0f6e08e37ce', 'hex'),
    spreadingFactor: 7,
    bandwidth: 125_000,
    codeRate: '4/6',
    snr: 5.1,
    counterUs: 3512348611,
    // 3512348611 = 0xD15A2FC3, big-endian
    context: Buffer.from([0xd1, 0x5a, 0x2f, 0xc3]),
    gwTime: '2013-03-31T16:21:17.528002Z',
    channel: 2,
    rfChain: 0,
  });
});

test('FSK example: datr is bit/s, no SF/BW/code rate/SNR', () => {
  const f = frameOf({
    time: '2013-03-31T16:21:17.530974Z',
    tmst: 3512348514,
    chan: 9,
    rfch: 1,
    freq: 869.1,
    stat: 1,
    modu: 'FSK',
    datr: 50000,
    rssi: -75,
    size: 16,
    data: 'VEVTVF9QQUNLRVRfMTIzNA==',
  });
  assert.is(f.modulation, 'FSK');
  assert.is(f.fskDatarate, 50_000);
  assert.is(f.frequency, 869_100_000);
  assert.is(f.payload.toString(), 'TEST_PACKET_1234');
  assert.is(f.channel, 9);
  assert.is(f.rfChain, 1);
  assert.is(f.rssi, -75);
  for (const k of ['spreadingFactor', 'bandwidth', 'codeRate', 'snr'] as const) assert.is(f[k], undefined, k);
});

test('2.4 GHz example: SF12BW812 -> 812500 Hz, 2425 MHz', () => {
  const f = frameOf({
    tmst: 3512348611, chan: 2, freq: 2425.0, foff: 729, stat: 1, modu: 'LORA',
    datr: 'SF12BW812', codr: '4/8', rssi: -35, lsnr: 5.1, size: 32,
    data: '-DS4CGaDCdG+48eJNM3Vai-zDpsR71Pn9CPA9uCON84',
  });
  assert.is(f.frequency, 2_425_000_000);
  assert.is(f.spreadingFactor, 12);
  assert.is(f.bandwidth, 812_500);
  assert.is(f.codeRate, '4/8');
});

test('every datr bandwidth label maps to Hz', () => {
  const cases: Array<[string, number, number]> = [
    ['SF7BW125', 7, 125_000],
    ['SF8BW250', 8, 250_000],
    ['SF12BW500', 12, 500_000],
    ['SF5BW203', 5, 203_125],
    ['SF6BW406', 6, 406_250],
    ['SF10BW812', 10, 812_500],
    ['SF9BW1625', 9, 1_625_000],
  ];
  for (const [datr, sf, bw] of cases) {
    const f = frameOf({ ...SPEC_LORA, datr });
    assert.is(f.spreadingFactor, sf, datr);
    assert.is(f.bandwidth, bw, datr);
    assert.is(formatLoraDatr(sf, bw), datr);
  }
});

test('bad_datr: unknown bandwidth, SF out of range, wrong shape, wrong type for modulation', () => {
  for (const datr of ['SF7BW126', 'SF4BW125', 'SF13BW125', 'sf7bw125', 'SF7 BW125', 'SF7', '', 'SF7BW125x']) {
    assert.is(reasonOf({ ...SPEC_LORA, datr }), 'bad_datr', datr);
    assert.is(parseLoraDatr(datr), undefined, datr);
  }
  assert.is(reasonOf({ ...SPEC_LORA, datr: 125 }), 'bad_datr');
  assert.is(reasonOf({ ...SPEC_LORA, modu: 'FSK', datr: 'SF7BW125' }), 'bad_datr');
  assert.is(reasonOf({ ...SPEC_LORA, modu: 'FSK', datr: -50000 }), 'bad_datr');
  assert.is(reasonOf({ ...SPEC_LORA, modu: 'FSK', datr: 4800.5 }), 'bad_datr');
});

test('stat 1 / -1 / 0 -> ok / bad / none; anything else is bad_field', () => {
  assert.is(frameOf({ ...SPEC_LORA, stat: 1 }).crc, 'ok');
  assert.is(frameOf({ ...SPEC_LORA, stat: -1 }).crc, 'bad');
  assert.is(frameOf({ ...SPEC_LORA, stat: 0 }).crc, 'none');
  assert.is(reasonOf({ ...SPEC_LORA, stat: 2 }), 'bad_field');
  assert.is(reasonOf({ ...SPEC_LORA, stat: '1' }), 'bad_field');
});

test('frequency is rounded to whole Hz', () => {
  assert.is(frameOf({ ...SPEC_LORA, freq: 868.1 }).frequency, 868_100_000);
  assert.is(frameOf({ ...SPEC_LORA, freq: 867.8999996 }).frequency, 867_900_000);
  assert.is(frameOf({ ...SPEC_LORA, freq: 902.3 }).frequency, 902_300_000);
});

test('tmst 0 and 0xFFFFFFFF give context bytes; tmms -> gpsTimeMs', () => {
  const zero = frameOf({ ...SPEC_LORA, tmst: 0 });
  assert.is(zero.counterUs, 0);
  assert.equal([...zero.context!], [0, 0, 0, 0]);
  const max = frameOf({ ...SPEC_LORA, tmst: 0xffffffff });
  assert.equal([...max.context!], [0xff, 0xff, 0xff, 0xff]);
  assert.is(frameOf({ ...SPEC_LORA, tmms: 1_300_000_000_123 }).gpsTimeMs, 1_300_000_000_123);
});

test('optional fields may be absent: only freq, stat, modu, datr, rssi, data are needed', () => {
  const f = frameOf({ freq: 868.3, stat: 1, modu: 'LORA', datr: 'SF9BW125', rssi: -100, data: 'AQID' });
  assert.equal(f, {
    source: 'udp', receivedAt: AT, frequency: 868_300_000, modulation: 'LORA', crc: 'ok', rssi: -100,
    payload: Buffer.from([1, 2, 3]), spreadingFactor: 9, bandwidth: 125_000,
  });
});

test('rssi wins over rssis; rssis and then the best rsig entry stand in when rssi is absent', () => {
  assert.is(frameOf({ ...SPEC_LORA, rssi: -35, rssis: -40 }).rssi, -35);
  const { rssi: _omit, ...noRssi } = SPEC_LORA;
  assert.is(frameOf({ ...noRssi, rssis: -41 }).rssi, -41);
  const { lsnr: _l, ...bare } = noRssi;
  const f = frameOf({ ...bare, rsig: [{ ant: 0, rssic: -90, lsnr: -3 }, { ant: 1, rssic: -80, lsnr: 2.5 }] });
  assert.is(f.rssi, -80);
  assert.is(f.snr, 2.5);
});

test('missing_field: each required field', () => {
  for (const field of ['freq', 'stat', 'modu', 'datr', 'data', 'rssi']) {
    const rxpk: Record<string, unknown> = { ...SPEC_LORA };
    delete rxpk[field];
    assert.is(reasonOf(rxpk), 'missing_field', field);
  }
  assert.is(reasonOf({ ...SPEC_LORA, freq: null }), 'missing_field');
});

test('bad_base64: wrong characters, impossible length, padding in the middle, non-string', () => {
  for (const data of ['AQ*D', 'A', 'AQIDB', 'AQ==AQ==', 'AQI=x', 'AQ=', ' AQID']) {
    assert.is(reasonOf({ ...SPEC_LORA, size: undefined, data }), 'bad_base64', data);
  }
  assert.is(reasonOf({ ...SPEC_LORA, data: 12 }), 'bad_base64');
});

test('padding is optional, as in the protocol examples', () => {
  assert.equal([...frameOf({ ...SPEC_LORA, size: 1, data: 'AQ' }).payload], [1]);
  assert.equal([...frameOf({ ...SPEC_LORA, size: 1, data: 'AQ==' }).payload], [1]);
  assert.equal([...frameOf({ ...SPEC_LORA, size: 0, data: '' }).payload], []);
});

test('size_mismatch: size disagrees with decoded data', () => {
  assert.is(reasonOf({ ...SPEC_LORA, size: 31 }), 'size_mismatch');
  assert.is(reasonOf({ ...SPEC_LORA, size: 3, data: 'AQIDBA==' }), 'size_mismatch');
});

test('bad_field: wrong types and values', () => {
  const cases: Array<[string, unknown]> = [
    ['freq', '868.1'],
    ['freq', 0],
    ['freq', -868.1],
    ['modu', 'CSS'],
    ['modu', 1],
    ['rssi', '-35'],
    ['lsnr', 'high'],
    ['codr', 45],
    ['chan', -1],
    ['chan', 1.5],
    ['rfch', 'A'],
    ['tmst', -1],
    ['tmst', 0x100000000],
    ['tmst', 12.5],
    ['tmms', '1'],
    ['time', 5],
    ['time', 'yesterday'],
    ['size', -1],
  ];
  for (const [field, value] of cases) {
    assert.is(reasonOf({ ...SPEC_LORA, [field]: value }), 'bad_field', `${field}=${JSON.stringify(value)}`);
  }
});

test('an rxpk entry that is not an object is bad_field', () => {
  for (const v of [null, 5, 'rxpk', [1]]) assert.is(reasonOf(v), 'bad_field');
});

test('formatLoraDatr refuses bandwidths and SFs it cannot label', () => {
  assert.throws(() => formatLoraDatr(7, 62_500), /bandwidth/);
  assert.throws(() => formatLoraDatr(13, 125_000), /spreading factor/);
});

test.run();
