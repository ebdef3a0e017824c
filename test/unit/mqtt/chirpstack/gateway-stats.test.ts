// gw.GatewayStats per interval (mqtt/chirpstack/radio-tally.ts, gateway-stats.ts): counts since the
// last message sent, transmissions per status, per frequency and modulation, the location's source.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { RadioTally, countingTransmissions } from '../../../../src/mqtt/chirpstack/radio-tally.js';
import { ChirpStackGatewayStats, forwarderLocation, type GatewayStatsSource } from '../../../../src/mqtt/chirpstack/gateway-stats.js';
import { Topics } from '../../../../src/mqtt/chirpstack/topics.js';
import type { TxRequest, TxStatus } from '../../../../src/radio/downlink.js';

const LORA7 = { modulation: 'LORA' as const, spreadingFactor: 7, bandwidth: 125_000, codeRate: '4/5' };
const source: GatewayStatsSource = {
  version: 't', now: 1_700_000_000_000, uptimeMs: 1000, outbox: { depth: 3, bytes: 300, oldestAgeMs: null },
  drops: { crc_bad: 1 }, pipeline: { filtered: { live: {}, batch: { dev_addr: 4 } } }, sources: [{ id: 'udp', state: 'listening' }],
};

function rig(online = true) {
  const published: Buffer[] = [];
  const hub = { online, topics: new Topics('eu868', '0016c001ff10a235'), publish: async (_t: string, p: Buffer) => void published.push(p) };
  const tally = new RadioTally();
  const stats = new ChirpStackGatewayStats({ gatewayId: '0016c001ff10a235', marshaler: 'protobuf', hub, tally, configuredLocation: { latitude: 1, longitude: 2, altitude: 3 } });
  const last = () => gw.GatewayStats.deserializeBinary(new Uint8Array(published.at(-1)!));
  return { hub, tally, stats, published, last };
}

test('each message carries the interval since the last one sent; an offline interval waits for the next', async () => {
  const r = rig();
  for (let i = 0; i < 3; i++) r.tally.rx({ ...LORA7, frequency: 868_100_000, crc: i === 0 ? 'bad' : 'ok' });
  r.tally.rx({ modulation: 'FSK', fskDatarate: 50_000, frequency: 868_800_000, crc: 'ok' });
  assert.ok(r.stats.publish(source));
  let s = r.last();
  assert.is(s.getRxPacketsReceived(), 4);
  assert.is(s.getRxPacketsReceivedOk(), 3);
  assert.equal(s.getRxPacketsPerFrequencyMap().toObject(), [[868_100_000, 3], [868_800_000, 1]]);
  assert.equal(s.getRxPacketsPerModulationList().map((m) => [m.getModulation()!.hasLora(), m.getCount()]), [[true, 3], [false, 1]]);
  assert.is(s.getMetadataMap().get('outbox_depth'), '3');
  assert.is(s.getMetadataMap().get('filtered_batch_dev_addr'), '4');
  assert.is(s.getLocation()!.getSource(), 2, 'CONFIG');

  r.tally.rx({ ...LORA7, frequency: 868_300_000, crc: 'ok' });
  (r.hub as { online: boolean }).online = false;
  assert.not.ok(r.stats.publish(source));
  (r.hub as { online: boolean }).online = true;
  r.tally.rx({ ...LORA7, frequency: 868_300_000, crc: 'ok' });
  r.stats.publish(source);
  s = r.last();
  assert.is(s.getRxPacketsReceived(), 2, 'the interval missed offline is in the next message, once');
  r.stats.publish(source);
  assert.is(r.last().getRxPacketsReceived(), 0);
});

test('transmissions: asked, emitted, per status, per frequency and modulation of the emitted ones', async () => {
  const r = rig();
  const outcomes: TxStatus[] = ['OK', 'DUTY_CYCLE_OVERFLOW', 'OK', 'TX_FREQ'];
  const gate = countingTransmissions({ send: async () => outcomes.shift()!, defaultSourceIndex: () => 0 }, r.tally);
  const req = (frequency: number) => ({ ...LORA7, frequency, payload: Buffer.alloc(1), power: 14, polarizationInversion: true, timing: { kind: 'immediately' } }) as unknown as TxRequest;
  for (const f of [869_525_000, 869_525_000, 868_100_000, 871_000_000]) await gate.send(0, req(f));
  assert.is(gate.defaultSourceIndex(), 0);
  r.stats.publish(source);
  const s = r.last();
  assert.is(s.getTxPacketsReceived(), 4);
  assert.is(s.getTxPacketsEmitted(), 2);
  assert.equal(Object.fromEntries(s.getTxPacketsPerStatusMap().toObject()), { OK: 2, DUTY_CYCLE_OVERFLOW: 1, TX_FREQ: 1 });
  assert.equal(s.getTxPacketsPerFrequencyMap().toObject(), [[868_100_000, 1], [869_525_000, 1]]);
  assert.equal(s.getTxPacketsPerModulationList().map((m) => m.getCount()), [2]);
});

test("location: the forwarder's GPS position wins; 0/0 or a missing coordinate is no position", () => {
  const r = rig();
  assert.is(r.stats.location()!.source, 'config');
  r.stats.noteForwarderStat({ lati: 0, long: 0, alti: 0 });
  assert.is(r.stats.location()!.source, 'config');
  r.stats.noteForwarderStat({ lati: 48.1, long: 11.5, alti: 520 });
  assert.equal(r.stats.location(), { latitude: 48.1, longitude: 11.5, altitude: 520, source: 'gps' });
  assert.is(forwarderLocation({ lati: 48.1 }), undefined);
});

test.run();
