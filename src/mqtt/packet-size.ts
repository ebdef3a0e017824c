// Size of an MQTT PUBLISH packet as the broker counts it against its max_packet_size, and the error
// a publish gets when it would exceed the limit. A broker closes the connection on an oversized
// packet, and mqtt.js re-sends it after every reconnect, so such a packet must never leave.

/** What mosquitto and most cloud brokers accept (AWS IoT Core: 128 KB); see mqtt.maxPacketSize. */
export const DEFAULT_MAX_PACKET_SIZE = 128 * 1024;

/** Bytes a remaining length takes in the fixed header (MQTT variable byte integer). */
function varIntBytes(n: number): number {
  if (n < 128) return 1;
  if (n < 16_384) return 2;
  if (n < 2_097_152) return 3;
  return 4;
}

/**
 * Whole PUBLISH packet in bytes: fixed header, topic, packet id (QoS > 0), MQTT 5 properties (we
 * send none, so one length byte) and the payload.
 */
export function publishPacketSize(topic: string, payloadBytes: number, qos: 0 | 1 | 2, protocolVersion: 4 | 5 = 4): number {
  const remaining = 2 + Buffer.byteLength(topic) + (qos > 0 ? 2 : 0) + (protocolVersion === 5 ? 1 : 0) + payloadBytes;
  return 1 + varIntBytes(remaining) + remaining;
}

/** The largest payload that fits a PUBLISH on `topic` under `maxPacketSize`. */
export function maxPayloadBytes(topic: string, maxPacketSize: number, qos: 0 | 1 = 1, protocolVersion: 4 | 5 = 4): number {
  // The fixed header grows with the remaining length: reserve its largest form.
  return maxPacketSize - publishPacketSize(topic, 0, qos, protocolVersion) - 3;
}

/** A publish refused before it reached the broker because it is larger than the packet limit. */
export class PacketTooLargeError extends Error {
  readonly code = 'packet_too_large';
  constructor(
    readonly topic: string,
    readonly packetBytes: number,
    readonly limit: number,
  ) {
    super(`message of ${packetBytes} bytes on ${topic} exceeds the MQTT packet limit of ${limit} bytes (mqtt.maxPacketSize or the broker's)`);
    this.name = 'PacketTooLargeError';
  }
}

export function isPacketTooLarge(err: unknown): err is PacketTooLargeError {
  return err instanceof PacketTooLargeError;
}
