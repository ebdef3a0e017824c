// `lora-edge hub-tail`: what a hub developer runs to check their side. Subscribes to the batches
// (`hub/batch`, or `event/batch` with --legacy-topics for a gateway on mqtt.legacyHubTopics),
// de-duplicates by (gatewayId, seq), prints each new record as a JSON line on stdout and reports
// duplicates and seq gaps on stderr. Reads hub schema versions 1 and 2 (gateways are upgraded one by
// one); a batch of another version is reported and skipped. With --ack it acknowledges each batch
// once printed, on the gateway's `hub/ack` topic, for gateways that run with batch.hubAck.
import { gunzipSync } from 'node:zlib';
import mqtt from 'mqtt';
import { batchFilter, Topics } from '../mqtt/chirpstack/topics.js';
import { HUB_SCHEMA_VERSIONS_READ, hubAckMessage, isGzip, type HubBatch } from '../mqtt/hub-batch.js';
import { SeqTracker } from './seq-tracker.js';
import { UsageError, parseCommandArgs, parseNumberOption, requireString } from '../command-args.js';

export async function hubTailCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    url: { type: 'string' },
    gateway: { type: 'string' },
    prefix: { type: 'string' },
    count: { type: 'string' },
    'client-id': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    'legacy-topics': { type: 'boolean' },
    ack: { type: 'boolean' },
  });
  const url = requireString(values.url, '--url');
  if (!/^mqtts?:\/\//.test(url)) throw new UsageError('--url must start with mqtt:// or mqtts://');
  const gateway = values.gateway?.toLowerCase() ?? '+';
  if (gateway !== '+' && !/^[0-9a-f]{16}$/.test(gateway)) throw new UsageError('--gateway must be 16 hex digits');
  const count = parseNumberOption(values.count, '--count', { min: 1, integer: true }) ?? Infinity;
  const prefix = values.prefix ?? 'eu868';
  const topic = batchFilter(prefix, gateway, { legacyHubTopics: values['legacy-topics'] === true });
  const trackers = new Map<string, SeqTracker>();
  const err = (line: string) => process.stderr.write(`${line}\n`);

  const client = mqtt.connect(url, {
    clientId: values['client-id'] ?? `lora-edge-hub-tail-${process.pid}`,
    clean: !values['client-id'],
    protocolVersion: 4,
  });
  let accepted = 0;
  let lastGapReport = '';
  const done = new Promise<void>((resolve) => {
    const finish = () => resolve();
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    client.on('message', (_t, payload) => {
      let batch: HubBatch;
      try {
        batch = JSON.parse((isGzip(payload) ? gunzipSync(payload) : payload).toString('utf8')) as HubBatch;
        if (!batch || !Array.isArray(batch.records) || typeof batch.gatewayId !== 'string') throw new Error('not a batch');
        if (!HUB_SCHEMA_VERSIONS_READ.includes(batch.schemaVersion)) {
          throw new Error(`schemaVersion ${JSON.stringify(batch.schemaVersion)} is not one this tool reads (${HUB_SCHEMA_VERSIONS_READ.join(', ')}): update lora-edge`);
        }
      } catch (e) {
        err(`malformed batch ignored: ${(e as Error).message}`);
        return;
      }
      let tracker = trackers.get(batch.gatewayId);
      if (!tracker) trackers.set(batch.gatewayId, (tracker = new SeqTracker()));
      for (const record of batch.records) {
        if (!tracker.accept(record.seq)) continue;
        accepted += 1;
        if (!values.quiet) process.stdout.write(`${JSON.stringify({ gatewayId: batch.gatewayId, ...record })}\n`);
      }
      if (values.ack && /^[0-9a-f]{16}$/.test(batch.gatewayId) && typeof batch.batchId === 'string') {
        // After the records are written out: the gateway deletes them on this word.
        client.publish(new Topics(prefix, batch.gatewayId).hub('ack'), hubAckMessage([batch.batchId]), { qos: 1 }, (e) => {
          if (e) err(`acknowledging batch ${batch.batchId} of ${batch.gatewayId} failed: ${e.message}`);
        });
      }
      const gaps = tracker.gaps();
      const report = gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(', ');
      if (report !== lastGapReport) {
        err(report ? `gateway ${batch.gatewayId}: seq missing so far: ${report}` : `gateway ${batch.gatewayId}: gaps filled`);
        lastGapReport = report;
      }
      if (accepted >= count) finish();
    });
  });
  client.on('connect', () => {
    client.subscribe(topic, { qos: 1 }, (e) => {
      if (e) err(`subscribe failed: ${e.message}`);
      else err(`listening on ${topic}`);
    });
  });
  client.on('error', (e) => err(`mqtt: ${e.message}`));
  await done;
  await client.endAsync();
  let gapsTotal = 0;
  for (const [gw, t] of trackers) {
    const gaps = t.gaps();
    gapsTotal += gaps.length;
    err(JSON.stringify({ gatewayId: gw, records: t.accepted, duplicates: t.duplicates, highestSeq: t.highestSeq, gaps }));
  }
  return gapsTotal ? 1 : 0;
}
