// The fleet keys a gateway is configured with (fleet.trustedKeys, fleet.privateKeyFile), read once:
// by the configuration's validation (so check-config and run refuse the same file) and at start.
import { readFileSync } from 'node:fs';
import { trustedKeys, type TrustedKey } from './signing.js';
import { x25519PrivateKey, type GatewayPrivateKey } from './sealed.js';

/** Reads the configured keys; throws an Error naming the setting when one is unusable. */
export function fleetKeys(opts: { trustedKeys: readonly string[]; privateKeyFile?: string }): { trusted: TrustedKey[]; privateKey?: GatewayPrivateKey } {
  let trusted: TrustedKey[];
  try {
    trusted = trustedKeys(opts.trustedKeys);
  } catch (err) {
    throw new Error(`fleet.trustedKeys: ${(err as Error).message}`);
  }
  if (opts.privateKeyFile === undefined) return { trusted };
  try {
    return { trusted, privateKey: x25519PrivateKey(readFileSync(opts.privateKeyFile, 'utf8')) };
  } catch (err) {
    throw new Error(`fleet.privateKeyFile ${opts.privateKeyFile}: ${(err as Error).message}`);
  }
}
