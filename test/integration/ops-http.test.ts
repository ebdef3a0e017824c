// Metrics, health and `lora-edge status` against a running daemon (and against none).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { startAedes } from '../helpers/brokers.js';
import { freeTcpPort } from '../helpers/brokers.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { startTestDaemon, TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { PacketForwarderSim, makeRxpk } from '../../src/testing/packet-forwarder.js';
import { buildDataUplink } from '../../src/lorawan/builders.js';
import { ABP } from '../helpers/spine-scenarios.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_FLEET, demoRegistryYaml } from '../../src/testing/device-payloads.js';
import { SimulatedDevice } from '../../src/testing/end-devices.js';

function get(url: string): Promise<{ code: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    }).on('error', reject);
  });
}

function metric(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

test('metrics move under traffic; healthz degrades when the backhaul is cut; status renders', async () => {
  const broker = await startAedes();
  const proxy = await startTcpProxy(broker.port);
  const port = await freeTcpPort();
  const regDir = mkdtempSync(join(tmpdir(), 'lora-edge-reg-'));
  const registry = join(regDir, 'devices.yaml');
  writeFileSync(registry, demoRegistryYaml([DEMO_FLEET[0]]), { mode: 0o600 });
  const daemon = await startTestDaemon(proxy.url, { ops: { http: { enabled: true, bind: `127.0.0.1:${port}` } }, devices: { registry } });
  const sim = new PacketForwarderSim({ target: daemon.udpTarget, gatewayEui: 'aa555a0000000101', ackTimeoutMs: 10_000 });
  const base = `http://127.0.0.1:${port}`;
  try {
    const before = await get(`${base}/metrics`);
    assert.is(before.code, 200);
    assert.match(before.type, /text\/plain/);
    for (const name of ['lora_edge_outbox_depth', 'lora_edge_mqtt_connected', 'lora_edge_uptime_seconds', 'lora_edge_process_resident_memory_bytes']) {
      assert.ok(before.body.includes(`${name} `), `${name} present`);
    }
    const pushed = await sim.pushRxpk([
      makeRxpk({ payload: buildDataUplink({ ...ABP, fCnt32: 1, fPort: 1, payload: Buffer.from([1]) }) }),
      makeRxpk({ payload: buildDataUplink({ ...ABP, fCnt32: 2, fPort: 1, payload: Buffer.from([2]) }) }),
      makeRxpk({ payload: buildDataUplink({ ...ABP, fCnt32: 3, fPort: 1, payload: Buffer.from([3]) }), stat: 'bad' }),
      makeRxpk({ payload: Buffer.from('not lorawan at all') }),
      // A registered street light (decoded), and a frame with its DevAddr but a wrong key (MIC failure).
      makeRxpk({ payload: new SimulatedDevice(DEMO_FLEET[0]).nextUplink() }),
      makeRxpk({ payload: new SimulatedDevice({ ...DEMO_FLEET[0], nwkSKey: '11'.repeat(16) }, 5).nextUplink() }),
    ]);
    // The daemon acknowledges a PUSH_DATA once it has taken its frames: without the ACK, nothing
    // below can move. Once seen in a full parallel run: every counter still 0 after 5 s.
    assert.ok(pushed.acked, 'the daemon acknowledged the PUSH_DATA');
    const deadline = Date.now() + 15_000;
    let m = '';
    while (Date.now() < deadline) {
      m = (await get(`${base}/metrics`)).body;
      if (metric(m, 'lora_edge_records_delivered_total') === 5) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.is(metric(m, 'lora_edge_frames_received_total', 'source="udp",crc="ok"'), 5);
    assert.is(metric(m, 'lora_edge_frames_received_total', 'source="udp",crc="bad"'), 1);
    assert.is(metric(m, 'lora_edge_frames_forwarded_total'), 5);
    assert.is(metric(m, 'lora_edge_frames_invalid_lorawan_total'), 1);
    assert.is(metric(m, 'lora_edge_drops_total', 'reason="crc_bad"'), 1);
    assert.is(metric(m, 'lora_edge_records_delivered_total'), 5);
    assert.is(metric(m, 'lora_edge_decodes_total', 'codec="nasys-ul20xx"'), 1);
    assert.is(metric(m, 'lora_edge_mic_failures_total'), 1);
    // Every lora-edge metric is exposed (counters that have not moved show 0 or no labelled series).
    for (const name of ['frames_received_total', 'frames_forwarded_total', 'frames_duplicate_total', 'frames_invalid_lorawan_total',
      'mic_failures_total', 'fcnt_replays_total', 'decodes_total', 'codec_errors_total', 'drops_total', 'outbox_depth', 'outbox_bytes',
      'outbox_oldest_age_seconds', 'outbox_write_errors_total', 'batches_published_total', 'batches_acked_total',
      'records_delivered_total', 'mqtt_connected', 'mqtt_reconnects_total', 'mqtt_publish_timeouts_total', 'live_skipped_total',
      'source_up', 'source_last_frame_age_seconds', 'downlinks_total', 'duty_cycle_used_ratio', 'edge_joins_total',
      'device_commands_total', 'uptime_seconds']) {
      assert.ok(m.includes(`# TYPE lora_edge_${name} `), `lora_edge_${name} is exposed`);
    }
    assert.ok((metric(m, 'lora_edge_batches_acked_total') ?? 0) >= 1);
    assert.is(metric(m, 'lora_edge_mqtt_connected'), 1);
    assert.is(metric(m, 'lora_edge_source_up', 'source="udp",state="listening"'), 1);
    assert.ok(metric(m, 'lora_edge_source_last_frame_age_seconds', 'source="udp"')! < 10);
    assert.equal(JSON.parse((await get(`${base}/healthz`)).body), { status: 'ok', reasons: [] });

    // The memory breakdown in /status: V8's figures and LevelDB's own estimate of its caches
    // (a memtable holds what was just written, so it is above zero and below its configured bounds).
    const proc = (JSON.parse((await get(`${base}/status`)).body) as { process: Record<string, number | null> }).process;
    for (const key of ['rssBytes', 'heapUsedBytes', 'heapTotalBytes', 'externalBytes', 'arrayBuffersBytes']) assert.ok((proc[key] ?? 0) > 0, key);
    assert.ok(proc.leveldbBytes! > 0 && proc.leveldbBytes! < 16 * 1024 * 1024, `leveldbBytes ${proc.leveldbBytes}`);

    const status = await runCli(['status', '--url', base]);
    assert.is(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`gateway ${TEST_GATEWAY_ID}`));
    assert.match(status.stdout, /udp\s+listening\s+last frame \d+ s ago; frames ok 5, bad CRC 1/);
    assert.match(status.stdout, /devices:\s+decoded 1, codec errors 0, MIC failures 1/);
    assert.match(status.stdout, /mqtt:\s+connected/);
    assert.match(status.stdout, /outbox:\s+0 records/);

    proxy.down();
    const until = Date.now() + 5000;
    let health = { status: '', reasons: [] as string[] };
    while (Date.now() < until) {
      health = JSON.parse((await get(`${base}/healthz`)).body);
      if (health.status === 'degraded') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.is(health.status, 'degraded');
    assert.match(health.reasons.join(' '), /MQTT broker not connected/);
    assert.is(metric((await get(`${base}/metrics`)).body, 'lora_edge_mqtt_connected'), 0);
    assert.is((await get(`${base}/nope`)).code, 404);
  } finally {
    await sim.close();
    await daemon.destroy();
    await proxy.close();
    await broker.stop();
    rmSync(regDir, { recursive: true, force: true });
  }
});

test('status against no daemon: a clear message, exit 1, no stack trace', async () => {
  const port = await freeTcpPort();
  const r = await runCli(['status', '--url', `http://127.0.0.1:${port}`]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /lora-edge is not running .*nothing answers there/);
  assert.not.match(r.stderr, /at .*\.js:\d+/);
});

test.run();
