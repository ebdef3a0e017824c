// Who may read the ops endpoint. Two checks, in this order:
// 1. The Host header must name this gateway: an IP literal, a loopback name, the bind host or one of
//    `ops.http.allowedHosts`. A DNS-rebinding page sends its own domain name here, so it is refused
//    even on loopback (the attacker's browser runs on the same machine or LAN).
// 2. With a token (required off loopback), `Authorization: Bearer <token>` must carry it, or the
//    cookie the page's login form sets (a browser cannot send a bearer header when it navigates).
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

/** The cookie the technician page's login form sets: HttpOnly, SameSite=Strict, the token itself. */
export const TOKEN_COOKIE = 'lora_edge_token';

/** The value of one cookie in a Cookie header, URI-decoded; undefined when absent or malformed. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

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

  /** True when no token is asked, or `candidate` is it (constant time). */
  tokenMatches(candidate: string): boolean {
    // Compare digests: equal length, constant time, whatever was sent.
    return this.tokenDigest === null || timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  check(req: http.IncomingMessage): AccessDecision {
    const host = this.checkHost(req);
    return host.ok ? this.checkToken(req) : host;
  }

  checkHost(req: http.IncomingMessage): AccessDecision {
    const header = req.headers.host;
    // No Host header: not a browser (browsers always send one), so not a rebinding vector.
    if (header !== undefined) {
      const host = hostOfHeader(header);
      if (host === null || !(isIP(host) !== 0 || isLoopbackHost(host) || this.allowed.has(host))) {
        return { ok: false, status: 421, message: 'host not allowed: add it to ops.http.allowedHosts if this gateway is reached by that name\n' };
      }
    }
    return { ok: true };
  }

  checkToken(req: http.IncomingMessage): AccessDecision {
    if (this.tokenDigest === null) return { ok: true };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const cookie = cookieValue(req.headers.cookie, TOKEN_COOKIE);
    if ((m && this.tokenMatches(m[1])) || (cookie !== undefined && this.tokenMatches(cookie))) return { ok: true };
    return { ok: false, status: 401, message: 'a bearer token is required: Authorization: Bearer <the token in ops.http.tokenFile>\n' };
  }
}
