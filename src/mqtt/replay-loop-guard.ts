// Breaks the loop a too-large packet causes when the broker's limit is lower than ours and the
// broker does not say so (MQTT 3.1.1): the broker closes the connection on the packet, mqtt.js
// re-sends it right after the next CONNACK, the broker closes again, forever, and the connection
// never completes. When that happens `threshold` times in a row, the largest message in flight is
// named the culprit: the hub client drops it from mqtt.js's store and lowers its packet limit
// to half that size, so the forwarder cuts smaller batches from then on.

/** Only a message at least this large is suspected: smaller ones fit every broker. */
export const SUSPECT_MIN_BYTES = 4096;

export interface TrackedPublish {
  topic: string;
  payload: Buffer | string;
  packetBytes: number;
  messageId?: number;
}

export class ReplayLoopGuard {
  private readonly unsent = new Set<TrackedPublish>();
  private readonly sent = new Map<number, TrackedPublish>();
  private replaying = false;
  private failures = 0;

  constructor(private readonly threshold = 3) {}

  /** A QoS 1 publish handed to mqtt.js. */
  track(topic: string, payload: Buffer | string, packetBytes: number): TrackedPublish {
    const t: TrackedPublish = { topic, payload, packetBytes };
    this.unsent.add(t);
    return t;
  }

  /**
   * mqtt.js wrote a PUBLISH: learn its message id. Usually the packet carries our payload object;
   * a packet mqtt.js stored while offline is a copy, so equal content on the same topic counts too.
   */
  packetSent(packet: { cmd: string; messageId?: number; topic?: string; payload?: unknown }): void {
    if (packet.cmd !== 'publish' || packet.messageId === undefined || this.sent.has(packet.messageId)) return;
    let found: TrackedPublish | undefined;
    for (const t of this.unsent) {
      if (t.payload === packet.payload) {
        found = t;
        break;
      }
    }
    if (!found) {
      for (const t of this.unsent) {
        if (t.topic === packet.topic && samePayload(t.payload, packet.payload)) {
          found = t;
          break;
        }
      }
    }
    if (!found) return;
    this.unsent.delete(found);
    found.messageId = packet.messageId;
    this.sent.set(packet.messageId, found);
  }

  settled(t: TrackedPublish): void {
    this.unsent.delete(t);
    if (t.messageId !== undefined && this.sent.get(t.messageId) === t) this.sent.delete(t.messageId);
  }

  /** Messages in flight (written at least once) of at least `packetBytes`. */
  sentAtLeast(packetBytes: number): TrackedPublish[] {
    return [...this.sent.values()].filter((t) => t.packetBytes >= packetBytes);
  }

  /** CONNACK received: mqtt.js now re-sends what is in flight before it reports the connection. */
  connack(): void {
    this.replaying = true;
  }

  /** The connection completed (mqtt.js 'connect'): the re-send went through. */
  connected(): void {
    this.replaying = false;
    this.failures = 0;
  }

  /** The connection closed; returns the culprit when the re-send failed `threshold` times running. */
  closed(): TrackedPublish | undefined {
    if (!this.replaying) return undefined;
    this.replaying = false;
    this.failures += 1;
    if (this.failures < this.threshold) return undefined;
    this.failures = 0;
    let largest: TrackedPublish | undefined;
    for (const t of this.sent.values()) if (!largest || t.packetBytes > largest.packetBytes) largest = t;
    return largest && largest.packetBytes >= SUSPECT_MIN_BYTES ? largest : undefined;
  }
}

function samePayload(a: Buffer | string, b: unknown): boolean {
  if (typeof a === 'string') return typeof b === 'string' ? a === b : Buffer.isBuffer(b) && b.equals(Buffer.from(a));
  return Buffer.isBuffer(b) ? a.equals(b) : typeof b === 'string' && a.equals(Buffer.from(b));
}
