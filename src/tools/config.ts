// check-config and print-config.
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfigFile, type LoadedConfig } from '../config/load.js';
import { loadDeviceFiles } from '../devices/device-files.js';
import { RegistryLoadError } from '../devices/errors.js';
import { CONFIG_TEMPLATE } from '../config/template.js';
import { parseCommandArgs } from '../command-args.js';
import { checkCodecFiles } from './codec-files.js';

export async function checkConfigCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { config: { type: 'string', short: 'c' } });
  const path = values.config ?? DEFAULT_CONFIG_PATH;
  // A ConfigError propagates to main, which prints every problem and exits 2.
  const loaded = loadConfigFile(path);
  const { envApplied } = loaded;
  const warnings = [...loaded.warnings, ...(await checkBeyondSchema(loaded, path))];
  for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
  if (envApplied.length) process.stdout.write(`environment overrides applied: ${envApplied.join(', ')}\n`);
  process.stdout.write(`${path}: configuration is valid\n`);
  return 0;
}

export async function printConfigCommand(args: string[]): Promise<number> {
  parseCommandArgs(args, {});
  process.stdout.write(CONFIG_TEMPLATE);
  return 0;
}

/**
 * What check-config checks beyond the configuration's own validation, which the daemon would run
 * without: the device registry and profiles, the profiles' JavaScript codecs. Throws a
 * ConfigError listing the problems; returns warnings.
 */
export async function checkBeyondSchema(loaded: LoadedConfig, source: string): Promise<string[]> {
  const warnings = checkDeviceFiles(loaded, source);
  await checkDeviceCodecs(loaded, source);
  return warnings;
}

/**
 * The device registry and profiles, loaded as the daemon loads them: a file the daemon would refuse
 * is a ConfigError here. Returns warnings (file permissions).
 */
export function checkDeviceFiles({ config }: LoadedConfig, source: string): string[] {
  const { registry, profilesDir } = config.devices;
  if (registry === undefined && profilesDir === undefined) return [];
  try {
    return loadDeviceFiles({ registryPath: registry, profilesDir }).warnings;
  } catch (err) {
    if (err instanceof RegistryLoadError) throw new ConfigError([...err.problems], source);
    throw err;
  }
}

/**
 * The JavaScript codecs the profiles name, loaded in the sandbox. The daemon would run with a codec
 * that does not load (its devices' frames carry the error instead of decoded data), so this is
 * where field staff find out before the gateway does.
 */
async function checkDeviceCodecs({ config }: LoadedConfig, source: string): Promise<void> {
  const { registry, profilesDir } = config.devices;
  if (registry === undefined && profilesDir === undefined) return;
  const { profiles } = loadDeviceFiles({ registryPath: registry, profilesDir });
  const problems = await checkCodecFiles(profiles.values());
  if (problems.length > 0) {
    throw new ConfigError(problems.map((p) => `${p.line} (its devices' frames would carry this error instead of decoded data)`), source);
  }
}
