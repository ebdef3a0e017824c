// Reading frames typed by people or copied from logs: hex (spaces, 0x allowed) or base64.
import { LoRaWANError } from './errors.js';

/**
 * Hex wins when the text is only hex digits (after removing whitespace and a leading 0x), and
 * then must have an even count; anything else must be standard or URL-safe base64.
 */
export function parseHexOrBase64(text: string): Buffer {
  if (typeof text !== 'string') throw new LoRaWANError('bad_input', 'expected a hex or base64 string');
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0) throw new LoRaWANError('bad_encoding', 'empty input: expected hex or base64');
  const hex = compact.replace(/^0x/i, '');
  if (/^[0-9a-fA-F]*$/.test(hex) && hex.length % 2 === 0 && hex.length > 0) return Buffer.from(hex, 'hex');
  if (/^0x/i.test(compact) || /^[0-9a-fA-F]+$/.test(hex)) {
    // Only hex digits but an odd count: almost surely a mistyped hex frame, not base64.
    throw new LoRaWANError('bad_encoding', `"${abbreviate(text)}" is not an even number of hex digits`);
  }
  const b64 = compact.replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.replace(/=+$/, '').length % 4 === 1) {
    throw new LoRaWANError('bad_encoding', `"${abbreviate(text)}" is neither hex nor base64`);
  }
  if (b64.includes('=') && b64.length % 4 !== 0) {
    throw new LoRaWANError('bad_encoding', `"${abbreviate(text)}" has misplaced base64 padding`);
  }
  return Buffer.from(b64, 'base64');
}

function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
