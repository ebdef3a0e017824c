// AES-128 primitives on node:crypto. Creating a cipher costs ~4 µs while one update() on an
// existing one costs ~0.5 µs, so each key gets long-lived ECB and CBC contexts that are reused
// for every frame of that device. ECB keeps no state between updates; the CBC context's
// chaining value is tracked so callers can cancel it (see cmac.ts).
import { createCipheriv, createDecipheriv, type Cipher } from 'node:crypto';

export interface AesKeyContext {
  readonly key: Buffer;
  /** Encrypts any whole number of blocks; never finalised. */
  readonly ecb: Cipher;
  /** CBC encryptor whose running chaining value is `chain`. */
  readonly cbc: Cipher;
  /** Last ciphertext block the CBC context produced (its IV for the next update). */
  readonly chain: Buffer;
  /** CMAC subkeys (RFC 4493 section 2.3). */
  readonly k1: Buffer;
  readonly k2: Buffer;
}

/** Bound on cached keys: enough for every device a gateway hears, small enough to stay a few MB. */
const MAX_CACHED_KEYS = 4096;
const contexts = new Map<string, AesKeyContext>();

/** The cached context for a 16-byte key (the caller has checked the length). */
export function aesContext(key: Buffer): AesKeyContext {
  const id = key.toString('latin1');
  const cached = contexts.get(id);
  if (cached) return cached;
  const ctx = createContext(Buffer.from(key));
  if (contexts.size >= MAX_CACHED_KEYS) {
    const oldest = contexts.keys().next().value;
    if (oldest !== undefined) contexts.delete(oldest);
  }
  contexts.set(id, ctx);
  return ctx;
}

/** AES-128-ECB encryption of `data` (length a multiple of 16). */
export function aesEncryptBlocks(key: Buffer, data: Uint8Array): Buffer {
  return aesContext(key).ecb.update(data);
}

/** AES-128-ECB decryption (only the join-accept builder needs it, so no caching). */
export function aesDecryptBlocks(key: Buffer, data: Uint8Array): Buffer {
  const d = createDecipheriv('aes-128-ecb', key, null);
  d.setAutoPadding(false);
  return Buffer.concat([d.update(data), d.final()]);
}

function createContext(key: Buffer): AesKeyContext {
  const ecb = createCipheriv('aes-128-ecb', key, null);
  ecb.setAutoPadding(false);
  const cbc = createCipheriv('aes-128-cbc', key, Buffer.alloc(16));
  cbc.setAutoPadding(false);
  const l = ecb.update(Buffer.alloc(16));
  const k1 = doubleInGf128(l);
  const k2 = doubleInGf128(k1);
  return { key, ecb, cbc, chain: Buffer.alloc(16), k1, k2 };
}

/** Multiplication by x in GF(2^128): shift left one bit, fold the carry back with 0x87. */
function doubleInGf128(block: Buffer): Buffer {
  const out = Buffer.alloc(16);
  for (let i = 0; i < 15; i++) out[i] = ((block[i] << 1) | (block[i + 1] >>> 7)) & 0xff;
  out[15] = (block[15] << 1) & 0xff;
  if (block[0] & 0x80) out[15] ^= 0x87;
  return out;
}
