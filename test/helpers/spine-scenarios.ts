// The end-to-end scenarios of the gateway spine, run against any real broker (aedes in the default
// tier, mosquitto in the system tier): UDP packet forwarder -> daemon -> broker -> subscriber.
import * as assert from 'uvu/assert';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/paths.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import { buildDataUplink } from '../../src/lorawan/builders.js';
import type { HubBatch } from '../../src/mqtt/hub-batch.js';
import type { TestBroker } from './brokers.js';
import { Collector } from './mqtt-collector.js';
import { startTestDaemon, TEST_GATEWAY_ID } from './daemon.js';

const PREFIX = 'eu868';
const base = `${PREFIX}/gateway/${TEST_GATEWAY_ID}`;

const schema = JSON.parse(readFileSync(packagePath('docs', 'hub', 'batch.schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(s) && Number.isFinite(Date.parse(s)));
export const validateBatch = ajv.compile(schema);

export function assertValidBatch(batch: unknown): void {
  if (!validateBatch(batch)) assert.unreachable(`batch does not match the schema: ${ajv.errorsText(validateBatch.errors)}`);
}

function connState(payload: Buffer): number {
  return gw.ConnState.deserializeBinary(new Uint8Array(payload)).getState();
}

export const ABP = {
  devAddr: '26011bda',
  nwkSKey: '000102030405060708090a0b0c0d0e0f',
  appSKey: '0f0e0d0c0b0a09080706050403020100',
};

export async function uplinkFieldsScenario(broker: TestBroker): Promise<void> {
  const collector = await Collector.connect(broker.url, [`${PREFIX}/gateway/+/#`]);
  const daemon = await startTestDaemon(broker.url, { mqtt: { topicPrefix: PREFIX } });
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101', version: 2 });
  try {
    await collector.waitFor(() => collector.on('/state/conn').some((m) => m.retain || connState(m.payload) === 1), 'ONLINE state');
    const online = collector.on('/state/conn').at(-1)!;
    assert.is(connState(online.payload), gw.ConnState.State.ONLINE);
    assert.is(gw.ConnState.deserializeBinary(new Uint8Array(online.payload)).getGatewayId(), TEST_GATEWAY_ID);

    const pull = await sim.pullData();
    assert.ok(pull.acked, 'PULL_DATA answered with PULL_ACK carrying the same token');

    const phy1 = buildDataUplink({ ...ABP, fCnt32: 7, fPort: 10, payload: Buffer.from('hello') });
    const phy2 = buildDataUplink({ ...ABP, fCnt32: 8, fPort: 10, payload: Buffer.from('world'), mType: 'ConfirmedDataUp' });
    const bad = buildDataUplink({ ...ABP, fCnt32: 9, fPort: 10, payload: Buffer.from('noise') });
    const push = await sim.pushRxpk([
      makeRxpk({ payload: phy1, freqHz: 868_300_000, sf: 9, bw: 125_000, codr: '4/6', rssi: -97, snr: -3.25, chan: 5, rfch: 1,
        tmst: 0xfedcba98, time: '2026-11-23T10:11:12.345678Z', tmms: 1_400_000_000_123 }),
      makeRxpk({ payload: bad, stat: 'bad' }),
      makeRxpk({ payload: phy2, freqHz: 867_100_000, sf: 12, bw: 125_000, codr: '4/5', rssi: -120, snr: -18, chan: 3, rfch: 0, tmst: 17 }),
    ]);
    assert.ok(push.acked, 'PUSH_DATA answered with PUSH_ACK carrying the same token');

    await collector.waitFor(() => collector.on('/event/up').length >= 2, 'two event/up messages');
    const ups = collector.on('/event/up').map((m) => gw.UplinkFrame.deserializeBinary(new Uint8Array(m.payload)));
    assert.is(ups.length, 2, 'the bad-CRC frame is not forwarded');
    const [u1, u2] = ups;
    assert.equal(Buffer.from(u1.getPhyPayload_asU8()), phy1);
    const tx = u1.getTxInfo()!;
    assert.is(tx.getFrequency(), 868_300_000);
    const lora = tx.getModulation()!.getLora()!;
    assert.is(lora.getBandwidth(), 125_000);
    assert.is(lora.getSpreadingFactor(), 9);
    assert.is(lora.getCodeRate(), gw.CodeRate.CR_4_6);
    const rx = u1.getRxInfo()!;
    assert.is(rx.getGatewayId(), TEST_GATEWAY_ID);
    assert.is(rx.getRssi(), -97);
    assert.ok(Math.abs(rx.getSnr() - -3.25) < 1e-6);
    assert.is(rx.getChannel(), 5);
    assert.is(rx.getRfChain(), 1);
    assert.is(rx.getCrcStatus(), gw.CRCStatus.CRC_OK);
    assert.is(rx.getGwTime()!.getSeconds(), Date.UTC(2026, 10, 23, 10, 11, 12) / 1000);
    assert.is(rx.getGwTime()!.getNanos(), 345_678_000);
    assert.is(rx.getTimeSinceGpsEpoch()!.getSeconds(), 1_400_000_000);
    assert.is(rx.getTimeSinceGpsEpoch()!.getNanos(), 123_000_000);
    assert.equal(Buffer.from(rx.getContext_asU8()), Buffer.from([0, 0xfe, 0xdc, 0xba, 0x98]), 'context = source index, then tmst big-endian');
    assert.ok(rx.getUplinkId() !== u2.getRxInfo()!.getUplinkId(), 'uplink ids differ');
    assert.equal(rx.getMetadataMap().get('source'), 'udp');
    assert.is(u2.getTxInfo()!.getModulation()!.getLora()!.getSpreadingFactor(), 12);
    assert.is(u2.getRxInfo()!.getRssi(), -120);
    assert.is(u2.getRxInfo()!.getGwTime(), undefined, 'no gw_time when the forwarder gave no time');

    // The durable path carries the same frames, in order, with the hub schema.
    await collector.waitFor(() => collector.on('/hub/batch').flatMap((m) => JSON.parse(m.payload.toString()).records).length >= 2, 'batched records');
    const batches = collector.on('/hub/batch').map((m) => JSON.parse(m.payload.toString()) as HubBatch);
    for (const b of batches) assertValidBatch(b);
    const records = batches.flatMap((b) => b.records);
    assert.equal(records.map((r) => r.seq), [1, 2]);
    assert.is(records[0].phyPayload, phy1.toString('base64'));
    assert.is(records[0].lorawan.mType, 'UnconfirmedDataUp');
    assert.is(records[0].lorawan.devAddr, ABP.devAddr);
    assert.is(records[0].lorawan.fCnt, 7);
    assert.is(records[0].lorawan.fPort, 10);
    assert.is(records[0].radio.frequency, 868_300_000);
    assert.is(records[0].radio.counterUs, 0xfedcba98);
    assert.is(records[0].radio.gwTime, '2026-11-23T10:11:12.345678Z');
    assert.is(records[1].lorawan.mType, 'ConfirmedDataUp');
    assert.is(daemon.app.pipeline!.counters.crcBad, 1);
    assert.is(daemon.app.pipeline!.counters.dropped.crc_bad, 1);

    // Graceful stop: OFFLINE published, retained.
    const before = collector.on('/state/conn').length;
    await daemon.stop();
    await collector.waitFor(() => collector.on('/state/conn').length > before, 'OFFLINE state');
    assert.is(connState(collector.on('/state/conn').at(-1)!.payload), gw.ConnState.State.OFFLINE);
    const late = await Collector.connect(broker.url, [`${base}/state/conn`]);
    await late.waitFor(() => late.messages.length > 0, 'retained state');
    assert.ok(late.messages[0].retain, 'state/conn is retained');
    assert.is(connState(late.messages[0].payload), gw.ConnState.State.OFFLINE);
    await late.close();
  } finally {
    await sim.close();
    await daemon.destroy();
    await collector.close();
  }
}

export async function jsonMarshalerScenario(broker: TestBroker): Promise<void> {
  const collector = await Collector.connect(broker.url, [`${PREFIX}/gateway/+/#`]);
  const daemon = await startTestDaemon(broker.url, { mqtt: { topicPrefix: PREFIX, marshaler: 'json' } });
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101' });
  try {
    await collector.waitFor(() => collector.on('/state/conn').length > 0, 'state');
    assert.equal(JSON.parse(collector.on('/state/conn')[0].payload.toString()), { gatewayId: TEST_GATEWAY_ID, state: 'ONLINE' });
    const phy = buildDataUplink({ ...ABP, fCnt32: 1, fPort: 2, payload: Buffer.from([1, 2, 3]) });
    await sim.pushRxpk([makeRxpk({ payload: phy, freqHz: 868_500_000, sf: 7, bw: 125_000, rssi: -50, snr: 9.5, chan: 2, tmst: 1000 })]);
    await collector.waitFor(() => collector.on('/event/up').length > 0, 'event/up');
    const up = JSON.parse(collector.on('/event/up')[0].payload.toString());
    assert.is(up.phyPayload, phy.toString('base64'));
    assert.equal(up.txInfo, { frequency: 868_500_000, modulation: { lora: { bandwidth: 125000, spreadingFactor: 7, codeRate: 'CR_4_5' } } });
    assert.is(up.rxInfo.gatewayId, TEST_GATEWAY_ID);
    assert.is(up.rxInfo.rssi, -50);
    assert.is(up.rxInfo.snr, 9.5);
    assert.is(up.rxInfo.channel, 2);
    assert.is(up.rxInfo.crcStatus, 'CRC_OK');
    assert.is(up.rxInfo.context, Buffer.from([0, 0, 0, 0x03, 0xe8]).toString('base64'));
    assert.equal(up.rxInfo.metadata, { source: 'udp' });
  } finally {
    await sim.close();
    await daemon.destroy();
    await collector.close();
  }
}

/** The broker goes away and comes back: the will fires on an abrupt drop, ONLINE returns after. */
export async function reconnectScenario(broker: TestBroker): Promise<void> {
  const daemon = await startTestDaemon(broker.url, { mqtt: { topicPrefix: PREFIX } });
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101' });
  let collector: Collector | undefined;
  try {
    const deadline = Date.now() + 5000;
    while (!daemon.app.hub!.online && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(daemon.app.hub!.online, 'connected');
    await broker.stop();
    await new Promise((r) => setTimeout(r, 300));
    assert.not.ok(daemon.app.hub!.online, 'noticed the broker is gone');
    // Frames keep coming while the broker is down: they are kept.
    for (let i = 0; i < 5; i++) {
      await sim.pushRxpk([makeRxpk({ payload: buildDataUplink({ ...ABP, fCnt32: 100 + i, fPort: 1, payload: Buffer.from([i]) }) })]);
    }
    await broker.restart();
    collector = await Collector.connect(broker.url, [`${PREFIX}/gateway/+/#`]);
    await collector.waitFor(() => collector!.on('/hub/batch').flatMap((m) => JSON.parse(m.payload.toString()).records).length >= 5, 'the 5 records kept during the outage', 15_000);
    const records = collector.on('/hub/batch').flatMap((m) => (JSON.parse(m.payload.toString()) as HubBatch).records);
    assert.equal(records.map((r) => r.lorawan.fCnt), [100, 101, 102, 103, 104]);
    assert.ok(records.every((r) => r.replay), 'records that waited through the outage are marked replay');
    assert.is(collector.on('/event/up').length, 0, 'frames from the outage are not sent live');
    assert.ok(daemon.app.hub!.counters.reconnects >= 1);
  } finally {
    await sim.close();
    await daemon.destroy();
    await collector?.close();
  }
}
