// Who may read the ops endpoint. Two checks, in this order:
// 1. The Host header must name this gateway: an IP literal, a loopback name, the bind host or one of
//    `ops.http.allowedHosts`. A DNS-rebinding page sends its own domain name here, so it is refused
//    even on loopback (the attacker's browser runs on the same machine or LAN).
// 2. With a token (required off loopback), `Authorization: Bearer <token>` must carry it.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type http from 'node:http';
import { isLoopbackHost } from '../config/loopback.js';

export type AccessDecision = { ok: true } | { ok: false; status: 401 | 421; message: string };

export interface HttpAccessOptions {
  /** The host part of the bind address (no brackets). */
  bindHost: string;
  allowedHosts: readonly string[];
  /** Null: no token asked (loopback binds only). */
  token: string | null;
}

/** The host name of a Host header value, lower case, without port or IPv6 brackets; null if malformed. */
export function hostOfHeader(value: string): string | null {
  const v = value.trim().toLowerCase();
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]\s]+))(?::\d{1,5})?$/.exec(v);
  if (!m) return null;
  return (m[1] ?? m[2]).replace(/\.$/, '');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export class HttpAccess {
  private readonly allowed: Set<string>;
  private readonly tokenDigest: Buffer | null;

  constructor(opts: HttpAccessOptions) {
    this.allowed = new Set([opts.bindHost, ...opts.allowedHosts].map((h) => hostOfHeader(h) ?? h.toLowerCase()));
    this.tokenDigest = opts.token === null ? null : digest(opts.token);
  }

  get requiresToken(): boolean {
    return this.tokenDigest !== null;
  }

  check(req: http.IncomingMessage): AccessDecision {
    const header = req.headers.host;
    // No Host header: not a browser (browsers always send one), so not a rebinding vector.
    if (header !== undefined) {
      const host = hostOfHeader(header);
      if (host === null || !(isIP(host) !== 0 || isLoopbackHost(host) || this.allowed.has(host))) {
        return { ok: false, status: 421, message: 'host not allowed: add it to ops.http.allowedHosts if this gateway is reached by that name\n' };
      }
    }
    if (this.tokenDigest !== null) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      // Compare digests: equal length, constant time, whatever was sent.
      if (!m || !timingSafeEqual(digest(m[1]), this.tokenDigest)) {
        return { ok: false, status: 401, message: 'a bearer token is required: Authorization: Bearer <the token in ops.http.tokenFile>\n' };
      }
    }
    return { ok: true };
  }
}
