// The bench's yardstick (`BENCH_REFERENCE=1 npm run bench`) must forward what a real packet
// forwarder sends, or its figures mean nothing: every PUSH_DATA acknowledged with its token, every
// rxpk once on event/up as a gw.UplinkFrame holding its payload, and once in a hub batch whose
// batchId gives the seq range the bench counts. Seeded datagrams of 1-3 rxpk, through aedes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import mqtt from 'mqtt';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';
import { startAedes, freeTcpPort } from '../helpers/brokers.js';
import { freeUdpPort } from '../helpers/daemon.js';
import { packagePath } from '../../src/paths.js';
import { buildPushData, parseServerDatagram } from '../../src/radio/udp/gateway-side.js';
import { BatchRecordCount } from '../../scripts/bench/light-subscriber.js';
import { seedFromEnv, seededRandom } from '../helpers/seeded-random.js';
import { waitFor } from '../helpers/hub-ingest.js';

const GATEWAY = '0016c001ff10a235';

test('seeded: every rxpk acknowledged, once on event/up with its payload, once in a counted batch', async () => {
  const random = seededRandom(seedFromEnv('LORA_EDGE_REFERENCE_SEED', 'reference forwarder'));
  const seed = random.seed;
  const broker = await startAedes();
  const udpPort = await freeUdpPort();
  const opsPort = await freeTcpPort();
  const forwarder = spawn(
    process.execPath,
    [packagePath('dist', 'scripts', 'bench', 'reference-forwarder.js'), '--udp', `127.0.0.1:${udpPort}`, '--mqtt', broker.url, '--gateway', GATEWAY, '--ops-port', String(opsPort)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  forwarder.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => forwarder.once('exit', (code) => r(code)));
  const hub = mqtt.connect(broker.url, { clientId: 'reference-test-hub', protocolVersion: 4 });
  const socket = createSocket('udp4');
  try {
    const ups: Buffer[] = [];
    const batches = new BatchRecordCount();
    const batchRecords: Array<{ seq: number; rxpk: { data: string } }> = [];
    let online = false;
    hub.on('message', (topic, payload) => {
      if (topic.endsWith('/state/conn')) online = true;
      else if (topic.endsWith('/event/up')) ups.push(Buffer.from(payload));
      else {
        batches.add(payload);
        batchRecords.push(...(JSON.parse(payload.toString()) as { records: Array<{ seq: number; rxpk: { data: string } }> }).records);
      }
    });
    await new Promise<void>((r) => hub.once('connect', () => r()));
    await hub.subscribeAsync([`eu868/gateway/${GATEWAY}/state/conn`, `eu868/gateway/${GATEWAY}/event/up`, `eu868/gateway/${GATEWAY}/hub/batch`], { qos: 1 });
    await waitFor(`the forwarder's state/conn (stderr: ${stderr})`, () => online);

    const acks: number[] = [];
    socket.on('message', (msg) => {
      const parsed = parseServerDatagram(msg);
      if (parsed.ok && parsed.packet.type === 'PUSH_ACK') acks.push(parsed.packet.token);
    });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    const sent: Buffer[] = [];
    const tokens: number[] = [];
    for (let d = 0; d < 300; d++) {
      const rxpk = Array.from({ length: random.int(1, 3) }, () => {
        const payload = random.bytes(random.int(1, 60));
        sent.push(payload);
        return {
          tmst: random.int(0, 2 ** 32 - 1), chan: random.int(0, 7), rfch: random.int(0, 1), freq: 868.1, stat: 1, modu: 'LORA',
          datr: `SF${random.int(7, 12)}BW125`, codr: '4/5', rssi: -random.int(30, 120), lsnr: random.int(-20, 10), size: payload.length,
          data: payload.toString('base64'),
        };
      });
      const token = random.int(0, 0xffff);
      tokens.push(token);
      socket.send(buildPushData(2, token, GATEWAY, { rxpk }), udpPort, '127.0.0.1');
      if (d % 50 === 49) await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(`everything (seed ${seed}: ${sent.length} frames)`, () => acks.length === tokens.length && ups.length === sent.length && batches.records === sent.length);

    assert.equal(acks, tokens, `seed ${seed}: each PUSH_DATA acknowledged with its token, in order`);
    for (let i = 0; i < sent.length; i++) {
      const up = gw.UplinkFrame.deserializeBinary(ups[i]);
      assert.ok(Buffer.from(up.getPhyPayload_asU8()).equals(sent[i]), `seed ${seed}: event/up ${i} holds its payload`);
      assert.is(up.getTxInfo()?.getFrequency(), 868_100_000);
      assert.is(up.getRxInfo()?.getGatewayId(), GATEWAY);
    }
    assert.is(batches.mismatch(), null, `seed ${seed}: batch ranges count 1..n once`);
    assert.equal(batchRecords.map((r) => r.seq), sent.map((_, i) => i + 1), `seed ${seed}: records in seq order`);
    assert.equal(batchRecords.map((r) => r.rxpk.data), sent.map((p) => p.toString('base64')), `seed ${seed}: each record holds its rxpk`);
    // What the bench waits on before it stops its clocks: every batch acknowledged by the broker.
    let status = { pipeline: { forwarded: -1 }, outbox: { pending: -1 } };
    await waitFor(`seed ${seed}: nothing left unacknowledged`, async () => {
      status = (await (await fetch(`http://127.0.0.1:${opsPort}/status`)).json()) as typeof status;
      return status.outbox.pending === 0;
    });
    assert.is(status.pipeline.forwarded, sent.length);
  } finally {
    socket.close();
    forwarder.kill('SIGTERM');
    assert.is(await exited, 0, `the forwarder exits cleanly on SIGTERM (stderr: ${stderr})`);
    await hub.endAsync(true);
    await broker.stop();
  }
});

test.run();
