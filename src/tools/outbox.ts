// `lora-edge outbox stats|export`: inspect the outbox while the daemon is stopped.
import { existsSync, readdirSync } from 'node:fs';
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../config/load.js';
import { outboxStatsReport, exportOutbox, createProgressBar, OutboxError } from '../outbox/index.js';
import { outboxDir } from '../app/storage-layout.js';
import { formatBytes, formatDuration } from '../ops/status-report.js';
import { UsageError, parseCommandArgs, requireString } from '../command-args.js';

export async function outboxCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseCommandArgs(rest, {
    config: { type: 'string', short: 'c' },
    dir: { type: 'string' },
    out: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
  });
  if (sub !== 'stats' && sub !== 'export') throw new UsageError('use "outbox stats" or "outbox export --out FILE"');
  // --dir is the storage directory (storage.dir), as in the configuration, or an outbox store itself
  // (such as an `outbox.damaged-<time>` directory the daemon moved aside).
  const dir = values.dir !== undefined ? storeDirOf(values.dir) : outboxDir(loadConfigFile(values.config ?? DEFAULT_CONFIG_PATH).config.storage.dir);
  try {
    if (sub === 'stats') {
      const r = await outboxStatsReport(dir);
      if (values.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      } else {
        process.stdout.write(
          [
            `outbox:        ${r.dir}`,
            `depth:         ${r.depth} records`,
            `bytes:         ${formatBytes(r.bytes)}`,
            `oldest record: ${r.oldestCapturedAt ?? '-'} (${r.oldestAgeMs === null ? '-' : formatDuration(r.oldestAgeMs)} old)`,
            `seq range:     ${r.firstSeq === null ? '-' : `${r.firstSeq} .. ${r.lastSeq}`} (next seq ${r.nextSeq})`,
          ].join('\n') + '\n',
        );
      }
      return 0;
    }
    const out = requireString(values.out, '--out FILE');
    const bar = createProgressBar(process.stderr);
    const result = await exportOutbox(dir, out, (done, total) => bar.update(done, total));
    bar.finish();
    process.stdout.write(`exported ${result.records} records (${formatBytes(result.bytes)}) to ${out}` +
      (result.skippedCorrupt ? `; ${result.skippedCorrupt} corrupt records left out` : '') +
      (result.salvaged ? ' (the store was damaged: read from a repaired copy, the original is untouched)' : '') + '\n');
    return 0;
  } catch (err) {
    if (err instanceof OutboxError) {
      process.stderr.write(`lora-edge outbox ${sub}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/** A storage directory holds `outbox/`; a directory holding LevelDB files is taken as the store itself. */
function storeDirOf(dir: string): string {
  const nested = outboxDir(dir);
  if (existsSync(nested)) return nested;
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return nested;
  }
  return names.some((n) => n === 'CURRENT' || n.startsWith('MANIFEST-') || /\.(ldb|log)$/.test(n)) ? dir : nested;
}
