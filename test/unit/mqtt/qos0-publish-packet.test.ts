// Our QoS 0 PUBLISH encoding against mqtt-packet's, byte for byte, for seeded random topics (ASCII
// and multi-byte UTF-8), payload sizes across the variable-length boundaries, and both protocols;
// and mqtt-packet's parser reads our concatenated buffer back as the same messages.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import mqttPacket from 'mqtt-packet';
import { encodeQos0Publishes, type LiveMessage } from '../../../src/mqtt/qos0-publish-packet.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { randomSeed } from '../../helpers/faults/prng.js';

const seed = Number(process.env.LORA_EDGE_SEED ?? randomSeed());
console.log(`qos0-publish-packet seed ${seed} (LORA_EDGE_SEED=${seed} replays it)`);

function reference(m: LiveMessage, protocolVersion: 4 | 5): Buffer {
  const packet = { cmd: 'publish', topic: m.topic, payload: m.payload, qos: 0, retain: false, dup: false, ...(protocolVersion === 5 ? { properties: {} } : {}) } as const;
  return mqttPacket.generate(packet as mqttPacket.IPublishPacket, { protocolVersion });
}

const SIZES = [0, 1, 100, 127 - 30, 128, 16_383, 16_384, 70_000, 2_097_151 - 40, 2_097_152];

test('each packet is what mqtt-packet generates; the parser reads the buffer back', async () => {
  const rnd = seededRandom(seed);
  const parts = ['eu868', 'gateway', '0016c001ff10a235', 'event', 'up', 'é', '€', '😀', 'a b'];
  for (const protocolVersion of [4, 5] as const) {
    const messages: LiveMessage[] = Array.from({ length: 40 }, (_, i) => ({
      topic: Array.from({ length: rnd.int(1, 6) }, () => rnd.pick(parts)).join('/'),
      payload: rnd.bytes(i < SIZES.length ? SIZES[i] : rnd.int(0, 400)),
    }));
    const all = encodeQos0Publishes(messages, protocolVersion);
    let at = 0;
    for (const [i, m] of messages.entries()) {
      const ref = reference(m, protocolVersion);
      assert.ok(all.subarray(at, at + ref.length).equals(ref), `seed ${seed}, protocol ${protocolVersion}, message ${i} (${m.payload.length} bytes on ${m.topic})`);
      at += ref.length;
    }
    assert.is(at, all.length);
    assert.ok(at > 2_097_152, 'the large payloads were compared');
    const parser = mqttPacket.parser({ protocolVersion });
    const parsed: Array<{ topic: string; payload: Buffer; qos: number }> = [];
    parser.on('packet', (p) => parsed.push(p as never));
    parser.parse(all);
    assert.equal(parsed.map((p) => [p.topic, p.qos, Buffer.compare(p.payload, messages[parsed.indexOf(p)].payload)]), messages.map((m) => [m.topic, 0, 0]));
  }
});

test('no messages: an empty buffer', () => {
  assert.is(encodeQos0Publishes([], 4).length, 0);
});

test.run();
