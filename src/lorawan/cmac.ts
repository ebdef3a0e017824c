// AES-CMAC (RFC 4493). The message, padded and with its last block masked by K1/K2, goes
// through the key's long-lived CBC context in one update(); XOR-ing the first block with the
// context's current chaining value makes that equal to CBC with a zero IV, which is CBC-MAC.
import { aesContext, type AesKeyContext } from './aes.js';
import { toKey, type KeyInput } from './bytes.js';

let scratch = Buffer.alloc(288);

/** The full 16-byte AES-CMAC of `message` under `key`. */
export function aesCmac(key: KeyInput, message: Uint8Array): Buffer {
  const ctx = aesContext(toKey(key, 'CMAC key'));
  return Buffer.from(cmacTag(ctx, null, message, 0, message.length));
}

/**
 * CMAC of `prefix` (exactly 16 bytes, or null) followed by `source[start..end)`.
 * Returns a 16-byte view that stays valid until the next CMAC with the same key.
 */
export function cmacTag(
  ctx: AesKeyContext,
  prefix: Uint8Array | null,
  source: Uint8Array,
  start: number,
  end: number,
): Buffer {
  const prefixLen = prefix === null ? 0 : 16;
  const msgLen = prefixLen + (end - start);
  const blocks = msgLen === 0 ? 1 : Math.ceil(msgLen / 16);
  const total = blocks * 16;
  if (scratch.length < total) scratch = Buffer.alloc(total * 2);
  const buf = scratch;
  if (prefix !== null) buf.set(prefix, 0);
  buf.set(source.subarray(start, end), prefixLen);

  const last = total - 16;
  let subkey = ctx.k1;
  if (msgLen === 0 || msgLen % 16 !== 0) {
    // Incomplete last block: pad with 10*, mask with K2.
    buf[msgLen] = 0x80;
    buf.fill(0, msgLen + 1, total);
    subkey = ctx.k2;
  }
  for (let i = 0; i < 16; i++) buf[last + i] ^= subkey[i];
  const chain = ctx.chain;
  for (let i = 0; i < 16; i++) buf[i] ^= chain[i];

  const out = ctx.cbc.update(buf.subarray(0, total));
  const tag = out.subarray(total - 16, total);
  chain.set(tag);
  return tag;
}
