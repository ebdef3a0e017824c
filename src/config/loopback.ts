// Which bind hosts are reachable only from the gateway itself: the ops endpoint needs no token
// there (but still checks the Host header, as DNS rebinding reaches loopback servers too).
import { isIP } from 'node:net';

/** Host names that always mean this machine. */
export const LOOPBACK_NAMES = ['localhost', 'ip6-localhost', 'ip6-loopback'];

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (LOOPBACK_NAMES.includes(h) || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}
