// The uplink context ChirpStack echoes back for class-A downlinks: one byte naming which of our
// radio sources heard the frame, then that source's own context (UDP: the 4-byte tmst).
export interface SourceContext {
  sourceIndex: number;
  context: Buffer;
}

export function wrapContext(sourceIndex: number, context: Buffer): Buffer {
  return Buffer.concat([Buffer.from([sourceIndex & 0xff]), context]);
}

/** undefined when the context is not one of ours (empty). */
export function unwrapContext(wrapped: Uint8Array): SourceContext | undefined {
  if (wrapped.length < 1) return undefined;
  const buf = Buffer.from(wrapped);
  return { sourceIndex: buf[0], context: buf.subarray(1) };
}
