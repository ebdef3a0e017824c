// Loading: YAML file -> environment overrides -> schema -> semantic checks. Every problem is
// collected with its key path, so an operator fixes the file in one go.
import { readFileSync, accessSync, constants } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { applyEnvOverrides } from './env.js';
import { findSerialDriver, parseSerialDriverSettings } from '../radio/serial/driver-registry.js';

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

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
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
function semanticChecks(config: Config, problems: string[], warnings: string[]): void {
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
  if (m.username && !m.passwordFile && !process.env.LORA_EDGE_MQTT_PASSWORD) warnings.push('mqtt.username is set without mqtt.passwordFile or LORA_EDGE_MQTT_PASSWORD');
  if (config.batch.maxBytes < 1024) problems.push('batch.maxBytes: must be at least 1KiB');
  if (config.storage.maxBytes < 1024 * 1024) problems.push('storage.maxBytes: must be at least 1MiB');
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
    for (const issue of parsed.error.issues) problems.push(...describeIssue(issue).split('\n'));
    throw new ConfigError(problems, source);
  }
  semanticChecks(parsed.data, problems, warnings);
  if (problems.length) throw new ConfigError(problems, source);
  return { config: parsed.data, envApplied: envResult.applied, warnings };
}

/** Parses YAML text; syntax errors become problems with line and column. */
export function parseConfigText(text: string, source: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${pos ? `line ${pos.line}, column ${pos.col}` : 'YAML'}: ${e.message.split('\n')[0]}`;
      }),
      source,
    );
  }
  return validateConfig(doc.toJS(), source, env);
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
