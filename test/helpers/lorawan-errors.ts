// The LoRaWANError code a call throws, or 'no error': lets tests assert on codes, not messages.
import * as assert from 'uvu/assert';
import { LoRaWANError } from '../../src/lorawan/errors.js';

export function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.instance(err, LoRaWANError);
    return (err as LoRaWANError).code;
  }
  return 'no error';
}
