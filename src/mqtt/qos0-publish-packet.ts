// QoS 0 PUBLISH packets encoded here, for the live stream only: a frame a message, thousands a
// second, where mqtt.js's per-message path (options object, packet object, several stream writes,
// debug calls) allocated about 5 KB per frame. The messages of one event-loop turn are encoded into
// one buffer and written to the client's socket in one go. QoS 0 keeps no state in the client (no
// packet id, no store, nothing to re-send), so writing the bytes ourselves changes nothing it tracks.
// Layout (MQTT 3.1.1 section 3.3, MQTT 5 section 3.3): 0x30 (PUBLISH, QoS 0, no DUP, no RETAIN),
// remaining length as a variable byte integer, topic length (u16 BE) and topic in UTF-8, MQTT 5 only:
// property length 0, then the payload.
import { publishPacketSize } from './packet-size.js';

export interface LiveMessage {
  topic: string;
  payload: Buffer;
}

/** The PUBLISH packets of `messages`, back to back in one buffer. */
export function encodeQos0Publishes(messages: readonly LiveMessage[], protocolVersion: 4 | 5): Buffer {
  let total = 0;
  for (const m of messages) total += publishPacketSize(m.topic, m.payload.length, 0, protocolVersion);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const { topic, payload } of messages) {
    const topicBytes = Buffer.byteLength(topic, 'utf8');
    let remaining = 2 + topicBytes + (protocolVersion === 5 ? 1 : 0) + payload.length;
    out[at++] = 0x30;
    do {
      let digit = remaining % 128;
      remaining = Math.floor(remaining / 128);
      if (remaining > 0) digit |= 0x80;
      out[at++] = digit;
    } while (remaining > 0);
    out.writeUInt16BE(topicBytes, at);
    at += 2;
    at += out.write(topic, at, 'utf8');
    if (protocolVersion === 5) out[at++] = 0;
    at += payload.copy(out, at);
  }
  return out;
}
