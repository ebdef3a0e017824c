// `lora-edge status`: a human summary from the running daemon (its /status endpoint).
import http from 'node:http';
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../config/load.js';
import { renderStatus } from '../ops/status-report.js';
import type { DaemonSnapshot, HealthStatus } from '../ops/snapshot.js';
import { UsageError, parseCommandArgs } from './usage.js';

function get(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function statusCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    config: { type: 'string', short: 'c' },
    url: { type: 'string' },
    json: { type: 'boolean' },
  });
  let base = values.url;
  if (!base) {
    const { config } = loadConfigFile(values.config ?? DEFAULT_CONFIG_PATH);
    if (!config.ops.http.enabled) throw new UsageError('ops.http.enabled is false in the configuration: the daemon serves no status');
    base = `http://${config.ops.http.bind}`;
  }
  if (!/^https?:\/\//.test(base)) throw new UsageError('--url must be http://host:port');
  const url = `${base.replace(/\/$/, '')}/status`;
  let body: string;
  try {
    body = await get(url, 3000);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ECONNREFUSED' ? 'nothing answers there' : (err as Error).message;
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
