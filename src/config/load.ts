// Loading: YAML file -> environment overrides -> schema -> semantic checks. Every problem is
// collected with its key path, so an operator fixes the file in one go.
import { readFileSync, accessSync, constants } from 'node:fs';
import type { z } from 'zod';
import { readYaml } from '../safe-yaml.js';
import { configSchema, type Config } from './schema.js';
import { applyEnvOverrides, envKeys } from './env.js';
import { isLoopbackHost } from './loopback.js';
import { parseDevAddrRange } from '../edge/devaddr-pool.js';
import { findSerialDriver, parseSerialDriverSettings } from '../radio/serial/driver-registry.js';
import { compileFilter } from '../pipeline/uplink-filter.js';
import { fleetKeys } from '../fleet/keys.js';

export const DEFAULT_CONFIG_PATH = '/etc/lora-edge/config.yaml';

export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    readonly source: string,
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration:\n` +
      problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: Config;
  /** Environment variables that overrode file values. */
  envApplied: string[];
  /** Things that work but deserve the operator's attention. */
  warnings: string[];
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(top level)';
}

function describeIssue(issue: z.core.$ZodIssue, envApplied: readonly string[]): string {
  let where = formatPath(issue.path);
  // A value from the environment is named by its variable too: that is what the operator set.
  const fromEnv = envKeys().find((k) => envApplied.includes(k.name) && k.path.join('.') === issue.path.join('.'));
  if (fromEnv) where += ` (from ${fromEnv.name})`;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => `${where === '(top level)' ? k : `${where}.${k}`}: unknown key`).join('\n');
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    return `${where}: required (${issue.message.replace(/^Invalid input: /, '')})`;
  }
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    return `${where}: must be one of "udp", "serial"`;
  }
  return `${where}: ${issue.message.replace(/^Invalid input: /, '')}`;
}

function checkReadable(path: string | undefined, key: string, problems: string[]): void {
  if (!path) return;
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problems.push(`${key}: cannot read "${path}" (${code === 'ENOENT' ? 'no such file' : code})`);
  }
}

/** Cross-field checks the schema cannot express. */
function semanticChecks(config: Config, problems: string[], warnings: string[], env: NodeJS.ProcessEnv): void {
  const ids = new Set<string>();
  config.sources.forEach((s, i) => {
    const id = sourceId(s, config.sources);
    if (ids.has(id)) problems.push(`sources[${i}]: duplicate source id "${id}" (give each source a distinct id or bind/path)`);
    ids.add(id);
    const driver = s.type === 'serial' ? findSerialDriver(s.driver) : undefined;
    const checked = driver ? parseSerialDriverSettings(driver, s) : undefined;
    if (checked && !checked.ok) for (const p of checked.problems) problems.push(`${formatPath([`sources`, i, ...p.path])}: ${p.message}`);
  });
  const m = config.mqtt;
  if (m.reconnectMin > m.reconnectMax) problems.push('mqtt.reconnectMin: must not be larger than mqtt.reconnectMax');
  checkReadable(m.passwordFile, 'mqtt.passwordFile', problems);
  checkReadable(m.ca, 'mqtt.ca', problems);
  checkReadable(m.cert, 'mqtt.cert', problems);
  checkReadable(m.key, 'mqtt.key', problems);
  if (Boolean(m.cert) !== Boolean(m.key)) problems.push('mqtt.cert, mqtt.key: give both the client certificate and its key, or neither');
  if ((m.ca || m.cert) && m.url.startsWith('mqtt://')) warnings.push('mqtt.ca/cert are set but mqtt.url is mqtt:// (plain TCP): TLS files are ignored; use mqtts://');
  if (m.username && !m.passwordFile && !env.LORA_EDGE_MQTT_PASSWORD) warnings.push('mqtt.username is set without mqtt.passwordFile or LORA_EDGE_MQTT_PASSWORD');
  // MQTT 3.1.1 carries a password only after a user name; mqtt.js would not even open the
  // connection (silently), so this is refused here.
  if (!m.username && (m.passwordFile || env.LORA_EDGE_MQTT_PASSWORD)) {
    problems.push(
      `mqtt.username: required when a password is given (${m.passwordFile ? 'mqtt.passwordFile' : 'LORA_EDGE_MQTT_PASSWORD'}): ` +
        'MQTT 3.1.1 sends no password without a user name',
    );
  }
  // The same check edge mode makes when it starts (it starts even when disabled globally, as single
  // devices may opt in): found by the differential test.
  try {
    parseDevAddrRange(config.edge.devAddrFrom, config.edge.devAddrTo);
  } catch (e) {
    problems.push(`edge.devAddrFrom, edge.devAddrTo: ${(e as Error).message}`);
  }
  opsHttpChecks(config.ops.http, problems);
  filterChecks(config.filters, problems, warnings);
  // The keys fleet sync reads when it starts: a missing or malformed one is a configuration
  // problem here, for check-config and run alike (found by the differential test).
  if (config.fleet.enabled) {
    try {
      fleetKeys(config.fleet);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
}

function filterChecks(filters: Config['filters'], problems: string[], warnings: string[]): void {
  for (const stream of ['live', 'batch'] as const) {
    const compiled = compileFilter(filters[stream]);
    for (const p of compiled.problems) problems.push(`filters.${stream}.${p.key}[${p.index}]: ${p.message}`);
    for (const w of compiled.warnings) warnings.push(`filters.${stream}.${w.key}[${w.index}]: ${w.message}`);
  }
}

function opsHttpChecks(http: Config['ops']['http'], problems: string[]): void {
  if (!http.enabled) return;
  const host = bindHost(http.bind);
  if (http.tokenFile) {
    try {
      readOpsToken(http.tokenFile);
    } catch (e) {
      problems.push(`ops.http.tokenFile: ${(e as Error).message}`);
    }
  } else if (!isLoopbackHost(host)) {
    problems.push(
      `ops.http.tokenFile: required when ops.http.bind (${http.bind}) is not a loopback address: ` +
        'without it /status and /metrics would be open to the network. Keep the bind on 127.0.0.1 and use an SSH tunnel, ' +
        'or give a token file',
    );
  }
}

/** The host of a "host:port" bind (brackets of IPv6 removed). */
export function bindHost(bind: string): string {
  const host = bind.slice(0, bind.lastIndexOf(':'));
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/** Shortest token accepted: guessing it must not be practical. */
export const MIN_OPS_TOKEN_LENGTH = 16;

/** The ops endpoint's bearer token from its file (whitespace around it trimmed); throws a readable Error. */
export function readOpsToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read "${file}" (${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message})`);
  }
  const token = text.trim();
  if (token.length < MIN_OPS_TOKEN_LENGTH || /\s/.test(token)) {
    throw new Error(
      `"${file}" must hold one token of at least ${MIN_OPS_TOKEN_LENGTH} characters without spaces ` +
        '(for example: openssl rand -hex 24 > ' + file + ')',
    );
  }
  return token;
}

/** The id a source is known by in logs, metrics and records. */
export function sourceId(s: Config['sources'][number], all: Config['sources']): string {
  if (s.id) return s.id;
  const sameType = all.filter((o) => o.type === s.type).length;
  if (s.type === 'udp') return sameType > 1 ? `udp:${s.bind}` : 'udp';
  return `serial:${s.path}`;
}

/** Validates an already parsed object (plus environment); throws ConfigError listing every problem. */
export function validateConfig(raw: unknown, source: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(['(top level): must be a mapping of keys to values'], source);
  const obj = structuredClone(raw) as Record<string, unknown>;
  const envResult = applyEnvOverrides(obj, env);
  problems.push(...envResult.problems);
  const parsed = configSchema.safeParse(obj);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...describeIssue(issue, envResult.applied).split('\n'));
    throw new ConfigError(problems, source);
  }
  semanticChecks(parsed.data, problems, warnings, env);
  if (problems.length) throw new ConfigError(problems, source);
  return { config: parsed.data, envApplied: envResult.applied, warnings };
}

/** Parses YAML text; syntax errors become problems with line and column. */
export function parseConfigText(text: string, source: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  // Aliases, alias bombs and deep nesting are refused here too, with a line, never an exception.
  const read = readYaml(text, { schema: 'core' });
  if (!read.ok) throw new ConfigError(read.problems.map((p) => `${p.line === null ? 'YAML' : p.col ? `line ${p.line}, column ${p.col}` : `line ${p.line}`}: ${p.message}`), source);
  return validateConfig(read.value, source, env);
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `no such file (write one with: lora-edge print-config > ${path})`
        : code === 'EACCES'
          ? 'permission denied (is it readable by the lora-edge user?)'
          : (e as Error).message;
    throw new ConfigError([`cannot read the configuration file: ${why}`], path);
  }
  return parseConfigText(text, path, env);
}

/** The MQTT password from LORA_EDGE_MQTT_PASSWORD or mqtt.passwordFile (trailing newline trimmed). */
export function readMqttPassword(config: Config, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.LORA_EDGE_MQTT_PASSWORD) return env.LORA_EDGE_MQTT_PASSWORD;
  if (!config.mqtt.passwordFile) return undefined;
  return readFileSync(config.mqtt.passwordFile, 'utf8').replace(/\r?\n$/, '');
}
