// The daemon as a ChirpStack gateway: an uplink's event/up context comes back in a gw.DownlinkFrame
// on command/down; the packet forwarder gets the PULL_RESP 1 s after the uplink's tmst, its TX_ACK
// becomes a gw.DownlinkTxAck on event/ack. A frame for another gateway is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import mqtt from 'mqtt';
import { startAedes } from '../helpers/brokers.js';
import { Collector } from '../helpers/mqtt-collector.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import { buildDataUplink, buildDataDownlink } from '../../src/lorawan/builders.js';
import { toDownlinkFrame } from '../../src/mqtt/chirpstack.js';
import { ABP } from '../helpers/spine-scenarios.js';

test('DownlinkFrame -> PULL_RESP (tmst + 1 s) -> TX_ACK -> DownlinkTxAck OK', async () => {
  const broker = await startAedes();
  const base = `eu868/gateway/${TEST_GATEWAY_ID}`;
  const collector = await Collector.connect(broker.url, [`${base}/event/up`, `${base}/event/ack`]);
  const daemon = await startTestDaemon(broker.url);
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101' });
  const ns = mqtt.connect(broker.url, { protocolVersion: 4 });
  try {
    await new Promise<void>((r) => ns.once('connect', () => r()));
    const deadline = Date.now() + 5000;
    while (!daemon.app.hub!.online && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sim.pullData();
    const uplinkTmst = 123_456_789;
    await sim.pushRxpk([makeRxpk({ payload: buildDataUplink({ ...ABP, fCnt32: 1, fPort: 1, payload: Buffer.from([1]) }), tmst: uplinkTmst, freqHz: 868_300_000, sf: 9 })]);
    await collector.waitFor(() => collector.on('/event/up').length > 0, 'event/up');
    const up = gw.UplinkFrame.deserializeBinary(new Uint8Array(collector.on('/event/up')[0].payload));
    const context = Buffer.from(up.getRxInfo()!.getContext_asU8());

    const downPhy = buildDataDownlink({ ...ABP, fCnt32: 0, fPort: 1, payload: Buffer.from([0xaa]), ack: true });
    const frame = toDownlinkFrame({
      gatewayId: TEST_GATEWAY_ID,
      downlinkId: 4242,
      items: [{ phyPayload: downPhy, txInfo: { frequency: 868_300_000, power: 14, board: 0, antenna: 0, context,
        modulation: { kind: 'LORA', spreadingFactor: 9, bandwidth: 125_000, codeRate: '4/5', polarizationInversion: true } as never,
        timing: { kind: 'delay', delayMs: 1000 } } }],
    });
    ns.publish(`${base}/command/down`, Buffer.from(frame.serializeBinary()), { qos: 1 });
    const resp = await sim.nextPullResp(5000);
    assert.ok(resp, 'the packet forwarder received a PULL_RESP');
    assert.is(resp!.txpk.tmst, uplinkTmst + 1_000_000);
    assert.is(resp!.txpk.freq, 868.3);
    assert.is(resp!.txpk.datr, 'SF9BW125');
    assert.is(resp!.txpk.ipol, true);
    assert.is(Buffer.from(String(resp!.txpk.data), 'base64').toString('hex'), downPhy.toString('hex'));
    await collector.waitFor(() => collector.on('/event/ack').length > 0, 'event/ack');
    const ack = gw.DownlinkTxAck.deserializeBinary(new Uint8Array(collector.on('/event/ack')[0].payload));
    assert.is(ack.getGatewayId(), TEST_GATEWAY_ID);
    assert.is(ack.getDownlinkId(), 4242);
    assert.equal(ack.getItemsList().map((i) => i.getStatus()), [gw.TxAckStatus.OK]);
    assert.is(daemon.app.snapshot().downlinks.byStatus.OK, 1, 'counted for metrics and status');

    // Addressed to another gateway: nothing is transmitted.
    const other = toDownlinkFrame({ gatewayId: 'ffffffffffffffff', downlinkId: 7, items: [{ phyPayload: downPhy, txInfo: { frequency: 869_525_000, power: 14, board: 0, antenna: 0, context: Buffer.alloc(0), timing: { kind: 'immediately' } } }] });
    ns.publish(`${base}/command/down`, Buffer.from(other.serializeBinary()), { qos: 1 });
    assert.is(await sim.nextPullResp(800), undefined, 'no PULL_RESP for another gateway');
  } finally {
    await ns.endAsync(true);
    await sim.close();
    await daemon.destroy();
    await collector.close();
    await broker.stop();
  }
});

test.run();
