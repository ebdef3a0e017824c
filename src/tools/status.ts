// `lora-edge status`: a human summary from the running daemon (its /status endpoint). With no flags
// it tries the default ops address, then the address in the default configuration file, and names
// everything it tried when nothing answers.
import http from 'node:http';
import { existsSync } from 'node:fs';
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

/** Where a daemon's ops endpoint is by default (and in the demo, unless that port was taken). */
export const DEFAULT_OPS_URL = 'http://127.0.0.1:9110';

export interface StatusDefaults {
  /** Tried first when neither --url nor --config is given. */
  url: string;
  configPath: string;
}

/** The defaults: LORA_EDGE_OPS_HTTP_BIND (the daemon's own override) moves the address. */
export function statusDefaults(env: NodeJS.ProcessEnv = process.env): StatusDefaults {
  const bind = env.LORA_EDGE_OPS_HTTP_BIND;
  return { url: bind ? baseOfBind(bind) : DEFAULT_OPS_URL, configPath: DEFAULT_CONFIG_PATH };
}

/** The URL this machine reaches a bind address at (a wildcard bind through loopback). */
function baseOfBind(bind: string): string {
  const host = bindHost(bind);
  const port = bind.slice(bind.lastIndexOf(':') + 1);
  return host === '0.0.0.0' ? `http://127.0.0.1:${port}` : host === '::' ? `http://[::1]:${port}` : `http://${bind}`;
}

type Answer = { ok: true; body: string } | { ok: false; refused: boolean; why: string };

async function fetchStatus(base: string, token: string | undefined): Promise<Answer> {
  if (!/^https?:\/\//.test(base)) throw new UsageError('--url must be http://host:port');
  const url = `${base.replace(/\/$/, '')}/status`;
  try {
    return { ok: true, body: await get(url, 3000, token) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = (err as Error).message;
    if (/^HTTP (401|421)/.test(message)) return { ok: false, refused: true, why: `${url}: ${message}` };
    return { ok: false, refused: false, why: `${url}: ${code === 'ECONNREFUSED' ? 'nothing answers there' : message}` };
  }
}

function tokenFrom(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readOpsToken(file);
  } catch (err) {
    throw new UsageError(`--token-file: ${(err as Error).message}`);
  }
}

/** The daemon's address and token file as its configuration file says. */
function fromConfig(path: string): { base: string; tokenFile: string | undefined } {
  const { config } = loadConfigFile(path);
  if (!config.ops.http.enabled) throw new UsageError(`ops.http.enabled is false in ${path}: the daemon serves no status`);
  return { base: baseOfBind(config.ops.http.bind), tokenFile: config.ops.http.tokenFile };
}

export async function statusCommand(args: string[], defaults: StatusDefaults = statusDefaults()): Promise<number> {
  const { values } = parseCommandArgs(args, {
    config: { type: 'string', short: 'c' },
    url: { type: 'string' },
    'token-file': { type: 'string' },
    json: { type: 'boolean' },
  });
  const tried: string[] = [];
  let answer: Answer;
  if (values.url) {
    answer = await fetchStatus(values.url, tokenFrom(values['token-file']));
  } else if (values.config) {
    const c = fromConfig(values.config);
    answer = await fetchStatus(c.base, tokenFrom(values['token-file'] ?? c.tokenFile));
  } else {
    // No flags: a daemon on the default address first (the demo, a daemon on defaults), then the
    // configuration file for another address or a token.
    answer = await fetchStatus(defaults.url, tokenFrom(values['token-file']));
    if (!answer.ok) {
      tried.push(answer.why);
      if (!existsSync(defaults.configPath)) tried.push(`${defaults.configPath}: no such file, so no other address to try`);
      else {
        let c: { base: string; tokenFile: string | undefined };
        try {
          c = fromConfig(defaults.configPath);
        } catch (err) {
          // A broken file is worth naming, with what was tried before it.
          process.stderr.write(`lora-edge status: tried ${tried[0]}; then read ${defaults.configPath}:\n`);
          throw err;
        }
        const token = tokenFrom(values['token-file'] ?? c.tokenFile);
        // The same address again only if the configuration brings a token the first try lacked.
        if (c.base.replace(/\/$/, '') !== defaults.url.replace(/\/$/, '') || (answer.refused && token !== undefined)) {
          answer = await fetchStatus(c.base, token);
          if (!answer.ok) tried.push(`${answer.why} (from ${defaults.configPath})`);
        } else tried.push(`${defaults.configPath}: names the same address`);
      }
    }
  }
  if (!answer.ok) {
    const list = tried.map((t) => `  ${t}\n`).join('');
    if (answer.refused) {
      const hint = /HTTP 401/.test(answer.why) ? '; give the token with --token-file FILE' : '';
      process.stderr.write(`lora-edge refused the request (${answer.why})${hint}\n${tried.length ? `tried:\n${list}` : ''}`);
    } else if (tried.length) {
      process.stderr.write(
        `lora-edge is not running, or not where this looked. Tried:\n${list}` +
          'Start it with: systemctl start lora-edge (or npm start for the demo), or give --url http://HOST:PORT or --config FILE\n',
      );
    } else {
      process.stderr.write(`lora-edge is not running (${answer.why}). Start it with: systemctl start lora-edge\n`);
    }
    return 1;
  }
  if (values.json) {
    process.stdout.write(`${answer.body}\n`);
    return 0;
  }
  process.stdout.write(renderStatus(JSON.parse(answer.body) as DaemonSnapshot & { health: HealthStatus }));
  return 0;
}
