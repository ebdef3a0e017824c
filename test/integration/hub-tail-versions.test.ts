// `lora-edge hub-tail` through the real command line and broker (aedes): it reads batches of hub
// schema 1 (gateways not yet upgraded) and 2, and reports a batch of an unknown version instead of
// printing it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import { startAedes } from '../helpers/brokers.js';
import { spawnCli } from '../helpers/cli.js';
import { TEST_GATEWAY_ID } from '../helpers/daemon.js';
import { buildHubBatch } from '../../src/mqtt/hub-batch.js';
import { sampleRecord } from '../fixtures/outbox/records.js';

const NOW = Date.UTC(2026, 11, 6, 12);

test('schema 1 and 2 batches are printed, a schema 3 batch is reported and skipped', async () => {
  const broker = await startAedes();
  const child = spawnCli(['hub-tail', '--url', broker.url, '--gateway', TEST_GATEWAY_ID, '--count', '3']);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  try {
    const deadline = Date.now() + 15_000;
    while (!/listening on/.test(stderr)) {
      if (Date.now() > deadline) throw new Error(`hub-tail did not subscribe: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const topic = `eu868/gateway/${TEST_GATEWAY_ID}/hub/batch`;
    const v2 = buildHubBatch(TEST_GATEWAY_ID, [{ seq: 1, ...sampleRecord(1) }, { seq: 2, ...sampleRecord(2) }], NOW, NOW);
    // What a gateway before issue 14 sends: schema 1, no clock fields.
    const v1 = { ...v2, schemaVersion: 1, batchId: '3-3', records: [{ seq: 3, ...sampleRecord(3), holdMs: 0, replay: false }] };
    const v3 = { ...v2, schemaVersion: 3, batchId: '4-4', records: [{ ...v2.records[0], seq: 4 }] };
    await publisher.publishAsync(topic, JSON.stringify(v3), { qos: 1 });
    await publisher.publishAsync(topic, JSON.stringify(v2), { qos: 1 });
    await publisher.publishAsync(topic, JSON.stringify(v1), { qos: 1 });
    const code = await exited;
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; capturedAtCorrected?: boolean });
    assert.equal(lines.map((l) => l.seq), [1, 2, 3]);
    assert.is(lines[0].capturedAtCorrected, false);
    assert.is(lines[2].capturedAtCorrected, undefined);
    assert.match(stderr, /schemaVersion 3 is not one this tool reads \(1, 2\)/);
    assert.is(code, 0, stderr);
  } finally {
    child.kill('SIGKILL');
    await publisher.endAsync();
    await broker.stop();
  }
});

test.run();
