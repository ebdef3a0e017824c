// Scheduled gateway stats: gw.GatewayStats on event/stats, decoded with the official types.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { startAedes } from '../helpers/brokers.js';
import { Collector } from '../helpers/mqtt-collector.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import { buildDataUplink } from '../../src/lorawan/builders.js';
import { ABP } from '../helpers/spine-scenarios.js';

test('gw.GatewayStats every second with rx counters and outbox metadata', async () => {
  const broker = await startAedes();
  const collector = await Collector.connect(broker.url, [`eu868/gateway/${TEST_GATEWAY_ID}/event/stats`]);
  const daemon = await startTestDaemon(broker.url, { ops: { statsSchedule: '* * * * * *' } });
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101' });
  try {
    await sim.pushRxpk([
      makeRxpk({ payload: buildDataUplink({ ...ABP, fCnt32: 1, fPort: 1, payload: Buffer.from([1]) }) }),
      makeRxpk({ payload: buildDataUplink({ ...ABP, fCnt32: 2, fPort: 1, payload: Buffer.from([2]) }), stat: 'bad' }),
    ]);
    const withTraffic = () =>
      collector.messages.map((m) => gw.GatewayStats.deserializeBinary(new Uint8Array(m.payload))).filter((s) => s.getRxPacketsReceived() === 2);
    await collector.waitFor(() => withTraffic().length > 0, 'a stats message after the traffic', 5000);
    const stats = withTraffic()[0];
    assert.is(stats.getGatewayId(), TEST_GATEWAY_ID);
    assert.is(stats.getRxPacketsReceived(), 2);
    assert.is(stats.getRxPacketsReceivedOk(), 1);
    assert.ok(Math.abs(stats.getTime()!.getSeconds() - Date.now() / 1000) < 10, 'time is now');
    const md = stats.getMetadataMap();
    assert.match(md.get('version')!, /^\d+\.\d+\.\d+/);
    assert.ok(Number(md.get('uptime_s')) >= 0);
    assert.ok(md.get('outbox_depth') !== undefined);
    assert.is(md.get('dropped_crc_bad'), '1');
    assert.is(md.get('source_udp'), 'listening');
  } finally {
    await sim.close();
    await daemon.destroy();
    await collector.close();
    await broker.stop();
  }
});

test.run();
