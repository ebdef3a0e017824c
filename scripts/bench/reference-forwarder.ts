// The yardstick for `npm run bench` (BENCH_REFERENCE=1 runs it in the daemon's place): the minimal
// forwarder issue 13 set its targets against, rebuilt for this machine. UDP PUSH_DATA -> PUSH_ACK,
// every rxpk -> a gw.UplinkFrame built with @chirpstack/chirpstack-api on `event/up` (QoS 0) and a
// JSON record in a batch on `hub/batch` (QoS 1, every 100 ms or 250 records), over mqtt.js. No
// LoRaWAN parsing, no codecs, no storage, no de-duplication: what it costs per frame is what any
// forwarder pays on this machine, so the daemon's figures can be read against it.
// Not a product: it checks nothing and keeps nothing.
import dgram from 'node:dgram';
import http from 'node:http';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import gw from '@chirpstack/chirpstack-api/gw/gw_pb.js';

const { values } = parseArgs({
  options: {
    udp: { type: 'string' },
    mqtt: { type: 'string' },
    gateway: { type: 'string' },
    'ops-port': { type: 'string' },
  },
});
const [udpHost, udpPort] = (values.udp ?? '').split(':');
const gatewayId = values.gateway ?? '';
if (!udpHost || !udpPort || !values.mqtt || !gatewayId || !values['ops-port']) {
  console.error('usage: reference-forwarder --udp HOST:PORT --mqtt URL --gateway EUI --ops-port PORT');
  process.exit(2);
}
const prefix = `eu868/gateway/${gatewayId}`;
const BATCH_RECORDS = 250;
const BATCH_MS = 100;
const PUSH_DATA = 0x00;
const PUSH_ACK = 0x01;

const client = mqtt.connect(values.mqtt, { clientId: `reference-${gatewayId}`, protocolVersion: 4, clean: true });
client.on('connect', () => {
  const conn = new gw.ConnState();
  conn.setGatewayId(gatewayId);
  conn.setState(gw.ConnState.State.ONLINE);
  client.publish(`${prefix}/state/conn`, Buffer.from(conn.serializeBinary()), { qos: 1, retain: true });
});
client.on('error', (err) => console.error(`reference forwarder: ${err.message}`));

let seq = 0;
let forwarded = 0;
let unacknowledged = 0;
let batch: string[] = [];

function publishBatch(): void {
  if (batch.length === 0) return;
  const first = seq - batch.length + 1;
  const payload = `{"batchId":"${first}-${seq}","gatewayId":"${gatewayId}","records":[${batch.join(',')}]}`;
  batch = [];
  unacknowledged += 1;
  client.publish(`${prefix}/hub/batch`, payload, { qos: 1 }, () => (unacknowledged -= 1));
}
const batchTimer = setInterval(publishBatch, BATCH_MS);

function uplinkFrame(rxpk: Record<string, unknown>, receivedAt: number): Uint8Array {
  const lora = new gw.LoraModulationInfo();
  const datr = /^SF(\d+)BW(\d+)$/.exec(String(rxpk.datr));
  lora.setSpreadingFactor(Number(datr?.[1] ?? 0));
  lora.setBandwidth(Number(datr?.[2] ?? 0) * 1000);
  lora.setCodeRate(gw.CodeRate.CR_4_5);
  const modulation = new gw.Modulation();
  modulation.setLora(lora);
  const tx = new gw.UplinkTxInfo();
  tx.setFrequency(Math.round(Number(rxpk.freq) * 1e6));
  tx.setModulation(modulation);
  const rx = new gw.UplinkRxInfo();
  rx.setGatewayId(gatewayId);
  rx.setUplinkId(receivedAt >>> 0);
  rx.setRssi(Number(rxpk.rssi));
  rx.setSnr(Number(rxpk.lsnr ?? 0));
  rx.setChannel(Number(rxpk.chan ?? 0));
  rx.setRfChain(Number(rxpk.rfch ?? 0));
  const context = Buffer.allocUnsafe(4);
  context.writeUInt32BE(Number(rxpk.tmst ?? 0) >>> 0);
  rx.setContext(context);
  rx.setCrcStatus(gw.CRCStatus.CRC_OK);
  const up = new gw.UplinkFrame();
  up.setPhyPayload(Buffer.from(String(rxpk.data), 'base64'));
  up.setTxInfo(tx);
  up.setRxInfo(rx);
  return up.serializeBinary();
}

const socket = dgram.createSocket('udp4');
socket.on('message', (msg, rinfo) => {
  if (msg.length < 12 || msg[3] !== PUSH_DATA) return;
  socket.send(Buffer.from([msg[0], msg[1], msg[2], PUSH_ACK]), rinfo.port, rinfo.address);
  const body = JSON.parse(msg.toString('utf8', 12)) as { rxpk?: Array<Record<string, unknown>> };
  const receivedAt = Date.now();
  for (const rxpk of body.rxpk ?? []) {
    client.publish(`${prefix}/event/up`, Buffer.from(uplinkFrame(rxpk, receivedAt)), { qos: 0 });
    seq += 1;
    forwarded += 1;
    batch.push(JSON.stringify({ seq, gatewayId, receivedAt: new Date(receivedAt).toISOString(), rxpk }));
    if (batch.length >= BATCH_RECORDS) publishBatch();
  }
});
socket.bind(Number(udpPort), udpHost);

// The few /status fields the bench reads from the daemon.
const ops = http.createServer((req, res) => {
  const m = process.memoryUsage();
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      intake: { refused: { overload: 0 } },
      pipeline: { forwarded },
      outbox: { depth: batch.length, pending: batch.length + unacknowledged },
      process: { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers },
    }),
  );
});
ops.listen(Number(values['ops-port']), '127.0.0.1');

process.once('SIGTERM', () => {
  clearInterval(batchTimer);
  socket.close();
  ops.close();
  client.end(false, {}, () => process.exit(0));
});
