// Hub -> gateway: `command/down` (gw.DownlinkFrame, protobuf or its JSON mapping) parsed into a
// plain DownlinkFrameSpec; the spec, each format and the DownlinkTxAck live in their own files.
import { shorten } from '../../bounded-text.js';
import type { Marshaler } from './enums.js';
import { DownlinkParseError, MAX_DOWNLINK_ITEMS, type DownlinkFrameParse } from './downlink-spec.js';
import { downlinkFromJson } from './downlink-json.js';
import { downlinkFromProtobuf } from './downlink-protobuf.js';

export * from './downlink-spec.js';
export { toDownlinkFrame } from './downlink-protobuf.js';
export { toDownlinkTxAck, type TxAckInput } from './downlink-tx-ack.js';

/**
 * Decodes a `command/down` payload. JSON when the first non-blank byte is `{` (the same sniffing
 * ChirpStack does), protobuf otherwise. Never throws.
 */
export function parseDownlinkFrame(payload: Buffer): DownlinkFrameParse {
  const first = payload.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  const format: Marshaler = first === 0x7b ? 'json' : 'protobuf';
  try {
    const frame = format === 'json' ? downlinkFromJson(payload) : downlinkFromProtobuf(payload);
    if (frame.items.length > MAX_DOWNLINK_ITEMS) {
      throw new DownlinkParseError(`${frame.items.length} items; at most ${MAX_DOWNLINK_ITEMS} are accepted (one per receive window)`);
    }
    return { ok: true, frame, format };
  } catch (err) {
    const reason = err instanceof DownlinkParseError ? err.message : `not a gw.DownlinkFrame (${(err as Error).message})`;
    return { ok: false, format, reason: shorten(reason) };
  }
}
