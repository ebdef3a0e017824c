// The local operations endpoint (loopback by default): the technician's page at /, /metrics for
// Prometheus, /healthz for monitoring, /status for `lora-edge status` and the page. Every request
// passes the Host check and, with a token file (required off loopback), the bearer token or the
// page's cookie; only the page's static script and style sheet (no data) and its login form are
// served without. A failure to start is logged; forwarding goes on.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import { parseHostPort } from '../radio/udp/bind-address.js';
import { isLoopbackHost } from '../config/loopback.js';
import { readOpsToken } from '../config/load.js';
import { HttpAccess, TOKEN_COOKIE } from './http-access.js';
import { loginHtml, pageHtml } from './page/page-html.js';
import { PAGE_SCRIPT } from './page/page-script.js';
import { PAGE_STYLE } from './page/page-style.js';
import { healthOf, type DaemonSnapshot } from './snapshot.js';

export interface OpsServerOptions {
  bind: string;
  /** File holding the bearer token; required when `bind` is not loopback. */
  tokenFile?: string;
  /** Host header names accepted besides IP literals, loopback names and the bind host. */
  allowedHosts?: readonly string[];
  snapshot: () => DaemonSnapshot;
  /** Shown in the page's title before its first update. */
  gatewayId?: string;
  /**
   * The metrics registry, asked for at each scrape: the daemon builds it on the first one, so a
   * gateway nobody scrapes does not carry prom-client (about 2 MB of heap every full GC walks).
   */
  registry: () => Registry | Promise<Registry>;
  logger: Logger;
}

export class OpsServer {
  private server: http.Server | undefined;
  private access: HttpAccess | undefined;

  constructor(private readonly opts: OpsServerOptions) {}

  async start(): Promise<boolean> {
    const { host, port } = parseHostPort(this.opts.bind);
    let token: string | null = null;
    try {
      if (this.opts.tokenFile !== undefined) token = readOpsToken(this.opts.tokenFile);
      else if (!isLoopbackHost(host)) throw new Error('ops.http.tokenFile is required when ops.http.bind is not a loopback address');
    } catch (err) {
      this.opts.logger.error(
        { bind: this.opts.bind, err: (err as Error).message },
        'ops endpoint not started (no usable token); forwarding continues without /metrics, /healthz and /status',
      );
      return false;
    }
    this.access = new HttpAccess({ bindHost: host, allowedHosts: this.opts.allowedHosts ?? [], token });
    const server = http.createServer((req, res) => void this.handle(req, res));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.opts.logger.error(
        { bind: this.opts.bind, err: (err as Error).message },
        'cannot serve metrics and health (port in use?); forwarding continues without them',
      );
      return false;
    }
    this.server = server;
    const addr = server.address() as AddressInfo;
    const shown = host === '0.0.0.0' || host === '::' ? '<this gateway\'s address>' : addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.opts.logger.info(
      { bind: this.opts.bind, token: token !== null, page: `http://${shown}:${addr.port}/` },
      `technician page at http://${shown}:${addr.port}/ (also /metrics, /healthz and /status)`,
    );
    return true;
  }

  address(): AddressInfo | undefined {
    return this.server?.address() as AddressInfo | undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const access = this.access!;
      const host = access.checkHost(req);
      if (!host.ok) return reply(res, host.status, 'text/plain', host.message);
      const path = (req.url ?? '/').split('?')[0];
      // The page's code and style hold no data: the login form needs the style before any token.
      if (req.method === 'GET' && path === '/ui/app.js') return reply(res, 200, 'text/javascript; charset=utf-8', PAGE_SCRIPT);
      if (req.method === 'GET' && path === '/ui/app.css') return reply(res, 200, 'text/css; charset=utf-8', PAGE_STYLE);
      // Browsers ask for it on their own; no icon, and no error in the page's console.
      if (req.method === 'GET' && path === '/favicon.ico') return reply(res, 204, 'image/x-icon', '');
      if (path === '/login') return await this.login(req, res, access);
      const decision = access.checkToken(req);
      if (!decision.ok) {
        if (req.method === 'GET' && path === '/') return reply(res, 401, HTML, loginHtml());
        return reply(res, decision.status, 'text/plain', decision.message, { 'www-authenticate': 'Bearer realm="lora-edge"' });
      }
      if (req.method !== 'GET') return reply(res, 405, 'text/plain', 'only GET\n');
      if (path === '/') return reply(res, 200, HTML, pageHtml(this.opts.gatewayId ?? this.opts.snapshot().gatewayId));
      if (path === '/metrics') {
        const registry = await this.opts.registry();
        return reply(res, 200, registry.contentType, await registry.metrics());
      }
      if (path === '/healthz') return reply(res, 200, 'application/json', JSON.stringify(healthOf(this.opts.snapshot())));
      if (path === '/status') {
        const s = this.opts.snapshot();
        return reply(res, 200, 'application/json', JSON.stringify({ ...s, health: healthOf(s) }));
      }
      reply(res, 404, 'text/plain', 'not found: try /, /metrics, /healthz or /status\n');
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'ops endpoint failed');
      if (!res.headersSent) reply(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    }
  }

  /** POST /login with `token=<token>`: sets the cookie the page is then read with. */
  private async login(req: http.IncomingMessage, res: http.ServerResponse, access: HttpAccess): Promise<void> {
    if (req.method !== 'POST') return reply(res, 405, 'text/plain', 'only POST (the form at /)\n');
    // A form posted from another site (the cookie is SameSite=Strict, this covers the login itself).
    const origin = req.headers.origin;
    // `null` (a sandboxed frame, a redirect from elsewhere) is not this page either.
    if (origin !== undefined && hostOfUrl(origin) !== (req.headers.host ?? '').toLowerCase()) {
      return reply(res, 403, 'text/plain', 'the login form must be posted from this gateway\'s own page\n');
    }
    const body = await readBody(req, MAX_LOGIN_BODY);
    if (body === null) return reply(res, 413, 'text/plain', 'request too large\n', { connection: 'close' });
    const token = new URLSearchParams(body).get('token') ?? '';
    if (access.requiresToken && !access.tokenMatches(token)) {
      this.opts.logger.warn({ from: req.socket.remoteAddress }, 'technician page: wrong token entered');
      return reply(res, 401, HTML, loginHtml('That is not the token in ops.http.tokenFile.'));
    }
    const cookie = access.requiresToken
      ? { 'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/` }
      : {};
    reply(res, 303, 'text/plain', 'see /\n', { ...cookie, location: './' });
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

const HTML = 'text/html; charset=utf-8';
const MAX_LOGIN_BODY = 4096;

/** Same origin only, nothing inline: the page's own script and style sheet, and fetches of /status. */
const SECURITY_HEADERS: http.OutgoingHttpHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer a browser posts the login form with `Origin: null`.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

function reply(res: http.ServerResponse, code: number, type: string, body: string, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(code, { ...SECURITY_HEADERS, ...headers, 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** The host[:port] of an Origin header, lower case; null when it is not a URL. */
function hostOfUrl(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/** The request body as text, or null when it is larger than `max` bytes (the rest is not read). */
function readBody(req: http.IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        // Stop keeping it; the reply closes the connection.
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
