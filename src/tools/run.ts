// `lora-edge run`: the daemon. Refuses a bad config before opening anything, then runs until
// SIGTERM/SIGINT (app/daemon.ts) and stops every part in reverse order within 5 s.
import { runDaemon } from '../app/daemon.js';
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../config/load.js';
import { createLogger } from '../log.js';
import { LogTail } from '../log-tail.js';
import { parseCommandArgs } from '../command-args.js';

export async function runCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    config: { type: 'string', short: 'c' },
    demo: { type: 'boolean' },
  });
  if (values.demo) {
    const { runDemo } = await import('./demo.js');
    return runDemo();
  }
  const path = values.config ?? DEFAULT_CONFIG_PATH;
  const loaded = loadConfigFile(path);
  const logger = createLogger({ level: loaded.config.log.level, format: loaded.config.log.format, tail: new LogTail() });
  return runDaemon(loaded, logger, undefined, path);
}
