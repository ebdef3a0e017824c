// The local operations endpoint (loopback by default): /metrics for Prometheus, /healthz for
// monitoring, /status for `lora-edge status`. Every request passes the Host check and, with a
// token file (required off loopback), the bearer token. A failure to start is logged; forwarding
// goes on.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import { parseHostPort } from '../radio/udp/bind-address.js';
import { isLoopbackHost } from '../config/loopback.js';
import { readOpsToken } from '../config/load.js';
import { HttpAccess } from './http-access.js';
import { healthOf, type DaemonSnapshot } from './snapshot.js';

export interface OpsServerOptions {
  bind: string;
  /** File holding the bearer token; required when `bind` is not loopback. */
  tokenFile?: string;
  /** Host header names accepted besides IP literals, loopback names and the bind host. */
  allowedHosts?: readonly string[];
  snapshot: () => DaemonSnapshot;
  registry: Registry;
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
    this.opts.logger.info({ bind: this.opts.bind, token: token !== null }, 'serving /metrics, /healthz and /status');
    return true;
  }

  address(): AddressInfo | undefined {
    return this.server?.address() as AddressInfo | undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const decision = this.access!.check(req);
      if (!decision.ok) {
        const extra: http.OutgoingHttpHeaders = decision.status === 401 ? { 'www-authenticate': 'Bearer realm="lora-edge"' } : {};
        return reply(res, decision.status, 'text/plain', decision.message, extra);
      }
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET') return reply(res, 405, 'text/plain', 'only GET\n');
      if (path === '/metrics') return reply(res, 200, this.opts.registry.contentType, await this.opts.registry.metrics());
      if (path === '/healthz') return reply(res, 200, 'application/json', JSON.stringify(healthOf(this.opts.snapshot())));
      if (path === '/status') {
        const s = this.opts.snapshot();
        return reply(res, 200, 'application/json', JSON.stringify({ ...s, health: healthOf(s) }));
      }
      reply(res, 404, 'text/plain', 'not found: try /metrics, /healthz or /status\n');
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'ops endpoint failed');
      reply(res, 500, 'text/plain', 'internal error\n');
    }
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

function reply(res: http.ServerResponse, code: number, type: string, body: string, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(code, { ...headers, 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
