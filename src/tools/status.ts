// `lora-edge status`: a human summary from the running daemon (its /status endpoint).
import http from 'node:http';
import { DEFAULT_CONFIG_PATH, bindHost, loadConfigFile, readOpsToken } from '../config/load.js';
import { renderStatus } from '../ops/status-report.js';
import type { DaemonSnapshot, HealthStatus } from '../ops/snapshot.js';
import { UsageError, parseCommandArgs } from '../command-args.js';

function get(url: string, timeoutMs: number, token: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = token ? { authorization: `Bearer ${token}` } : {};
    const req = http.get(url, { timeout: timeoutMs, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}: ${body.trim()}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function statusCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    config: { type: 'string', short: 'c' },
    url: { type: 'string' },
    'token-file': { type: 'string' },
    json: { type: 'boolean' },
  });
  let base = values.url;
  let tokenFile = values['token-file'];
  if (!base) {
    const { config } = loadConfigFile(values.config ?? DEFAULT_CONFIG_PATH);
    if (!config.ops.http.enabled) throw new UsageError('ops.http.enabled is false in the configuration: the daemon serves no status');
    const bind = config.ops.http.bind;
    // A wildcard bind is reached on this machine through loopback.
    const host = bindHost(bind);
    const port = bind.slice(bind.lastIndexOf(':') + 1);
    base = host === '0.0.0.0' ? `http://127.0.0.1:${port}` : host === '::' ? `http://[::1]:${port}` : `http://${bind}`;
    tokenFile ??= config.ops.http.tokenFile;
  }
  let token: string | undefined;
  if (tokenFile !== undefined) {
    try {
      token = readOpsToken(tokenFile);
    } catch (err) {
      throw new UsageError(`--token-file: ${(err as Error).message}`);
    }
  }
  if (!/^https?:\/\//.test(base)) throw new UsageError('--url must be http://host:port');
  const url = `${base.replace(/\/$/, '')}/status`;
  let body: string;
  try {
    body = await get(url, 3000, token);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = (err as Error).message;
    if (/^HTTP (401|421)/.test(message)) {
      const hint = message.startsWith('HTTP 401') ? '; give the token with --token-file FILE' : '';
      process.stderr.write(`lora-edge refused the request (${url}: ${message})${hint}\n`);
      return 1;
    }
    const why = code === 'ECONNREFUSED' ? 'nothing answers there' : message;
    process.stderr.write(`lora-edge is not running (${url}: ${why}). Start it with: systemctl start lora-edge\n`);
    return 1;
  }
  if (values.json) {
    process.stdout.write(`${body}\n`);
    return 0;
  }
  process.stdout.write(renderStatus(JSON.parse(body) as DaemonSnapshot & { health: HealthStatus }));
  return 0;
}
