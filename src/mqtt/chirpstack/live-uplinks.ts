// The live ChirpStack stream: each stored uplink as a gw.UplinkFrame on `event/up`, its context
// prefixed with the index of the radio source that heard it so a class-A downlink finds its way back
// (UplinkMapOptions.sourceIndex).
import type { RadioFrame } from '../../radio/radio-frame.js';
import type { Topics } from './topics.js';
import type { Marshaler } from './enums.js';
import { marshal } from './json.js';
import { toUplinkFrame } from './uplink.js';
import { encodeUplinkFrame } from './uplink-frame-encoder.js';

export interface LiveUplinksOptions {
  gatewayId: string;
  marshaler: Marshaler;
  /** The hub client (not imported: the hub client itself uses this module's mappings). */
  hub: { readonly online: boolean; readonly topics: Pick<Topics, 'event'>; publishLive(topic: string, payload: () => Buffer): boolean };
  /** Source id -> its index in the configuration (the first byte of the context). */
  sourceIndex: ReadonlyMap<string, number>;
}

export class ChirpStackLiveUplinks {
  readonly name = 'chirpstack event/up';
  private readonly topic: string;
  /** ChirpStack wants an id per uplink; a random start keeps ids of restarts apart. */
  private uplinkId = Math.floor(Math.random() * 0xffffffff);

  constructor(private readonly opts: LiveUplinksOptions) {
    this.topic = opts.hub.topics.event('up');
  }

  /** false when skipped (offline or back-pressure): the record still goes in the batch. */
  publish(frame: RadioFrame): boolean {
    const { hub, gatewayId, marshaler } = this.opts;
    if (!hub.online) return false;
    // Built only when the hub will send it: a backed-up socket skips the frame before any protobuf work.
    return hub.publishLive(this.topic, () => {
      this.uplinkId = (this.uplinkId + 1) >>> 0;
      const opts = { gatewayId, uplinkId: this.uplinkId, sourceIndex: this.opts.sourceIndex.get(frame.source) ?? 0 };
      // Protobuf (the usual marshaler) by our own encoder, the library's bytes without its object graph.
      return marshaler === 'protobuf' ? encodeUplinkFrame(frame, opts) : marshal(toUplinkFrame(frame, opts), marshaler);
    });
  }
}
