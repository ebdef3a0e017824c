// check-config and print-config.
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../config/load.js';
import { CONFIG_TEMPLATE } from '../config/template.js';
import { parseCommandArgs } from './usage.js';

export async function checkConfigCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { config: { type: 'string', short: 'c' } });
  const path = values.config ?? DEFAULT_CONFIG_PATH;
  // A ConfigError propagates to main, which prints every problem and exits 2.
  const { warnings, envApplied } = loadConfigFile(path);
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
