// Conversions between what callers pass (numbers, hex written MSB first, byte arrays) and the
// little-endian wire layout LoRaWAN uses for every multi-byte field.
import { LoRaWANError } from './errors.js';

/** A 128-bit key: 16 bytes, or 32 hex digits. */
export type KeyInput = Uint8Array | string;

/** A Buffer view of the same memory (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function toKey(key: KeyInput | undefined, name: string): Buffer {
  if (key === undefined) throw new LoRaWANError('missing_key', `${name} is required`);
  if (typeof key === 'string') {
    const hex = key.trim().replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new LoRaWANError('bad_key', `${name} must be 32 hex digits`);
    return Buffer.from(hex, 'hex');
  }
  if (!(key instanceof Uint8Array)) throw new LoRaWANError('bad_key', `${name} must be 16 bytes or 32 hex digits`);
  if (key.length !== 16) throw new LoRaWANError('bad_key', `${name} must be 16 bytes, got ${key.length}`);
  return asBuffer(key);
}

/**
 * An unsigned identifier of `byteLen` bytes given as a number or as hex written MSB first
 * (`"26012e43"`, `"0x13"`). Returns the number.
 */
export function toUint(value: number | string, byteLen: number, name: string): number {
  const max = byteLen >= 4 ? 0xffffffff : 2 ** (8 * byteLen) - 1;
  let n: number;
  if (typeof value === 'string') {
    const hex = value.trim().replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length > byteLen * 2) {
      throw new LoRaWANError('bad_field', `${name} must be at most ${byteLen * 2} hex digits, got "${value}"`);
    }
    n = parseInt(hex, 16);
  } else {
    n = value;
  }
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new LoRaWANError('bad_field', `${name} must be an integer 0..${max}, got ${String(value)}`);
  }
  return n;
}

/** Checks a small integer field (bit fields of DLSettings, FPort, ...). */
export function checkRange(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LoRaWANError('bad_field', `${name} must be an integer ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

/** An EUI-64 as written by people (MSB first): 16 hex digits, separators `:`/`-`/space allowed, or 8 bytes. */
export function toEui(value: string | Uint8Array, name: string): Buffer {
  if (typeof value === 'string') {
    const hex = value.trim().replace(/^0x/i, '').replace(/[\s:-]/g, '');
    if (!/^[0-9a-fA-F]{16}$/.test(hex)) throw new LoRaWANError('bad_field', `${name} must be 16 hex digits, got "${value}"`);
    return Buffer.from(hex, 'hex');
  }
  if (!(value instanceof Uint8Array) || value.length !== 8) {
    throw new LoRaWANError('bad_field', `${name} must be 8 bytes or 16 hex digits`);
  }
  return Buffer.from(value);
}

/** Hex of `len` wire bytes starting at `start`, reversed so the most significant byte comes first. */
export function hexReversed(bytes: Uint8Array, start: number, len: number): string {
  let s = '';
  for (let i = start + len - 1; i >= start; i--) s += HEX_BYTE[bytes[i]];
  return s;
}

export function hexOfUint(n: number, byteLen: number): string {
  return n.toString(16).padStart(byteLen * 2, '0');
}

export function writeUintLE(target: Uint8Array, offset: number, value: number, byteLen: number): void {
  for (let i = 0; i < byteLen; i++) target[offset + i] = (value / 2 ** (8 * i)) & 0xff;
}

export function readUintLE(bytes: Uint8Array, offset: number, byteLen: number): number {
  let n = 0;
  for (let i = byteLen - 1; i >= 0; i--) n = n * 256 + bytes[offset + i];
  return n;
}

/** Compares the first `len` bytes without an early exit. */
export function equalBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, len: number): boolean {
  let diff = 0;
  for (let i = 0; i < len; i++) diff |= a[aStart + i] ^ b[bStart + i];
  return diff === 0;
}

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
