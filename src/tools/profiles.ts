// `lora-edge profiles check [DIR]` and `lora-edge profiles list [--dir DIR]`: validate device
// profiles (shipped plus a local directory), the codecs they name and the examples they list, or
// show them as a table.
import { builtinPortProblem, formatProfileProblem, loadProfiles, type DeviceProfile } from '../devices/profiles.js';
import { parseExamples, runExamples } from './codec-examples.js';
import { openToolCodec } from './tool-codec.js';
import { checkCodecFiles } from './codec-files.js';
import { UsageError, parseCommandArgs } from '../command-args.js';

const USAGE = 'lora-edge profiles check [DIR] | lora-edge profiles list [--dir DIR]';

export async function profilesCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'check') return checkProfiles(rest);
  if (sub === 'list') return listProfiles(rest);
  throw new UsageError(sub === undefined ? `a subcommand is required: ${USAGE}` : `unknown subcommand "${sub}": ${USAGE}`);
}

/** Runs the examples of each usable profile that lists some; one problem line per failing example. */
async function checkExamples(profiles: readonly DeviceProfile[]): Promise<{ problems: string[]; passed: number }> {
  const problems: string[] = [];
  let passed = 0;
  for (const p of profiles) {
    if (p.examples === undefined || p.examples.length === 0) continue;
    const parsed = parseExamples(p.examples, 'examples');
    problems.push(...parsed.problems.map((line) => `${p.file}: ${line}`));
    // Profiles read from a directory name a file or a built-in codec, never bundle sources.
    if (parsed.examples.length === 0 || p.codecRef.kind === 'source') continue;
    const codec = await openToolCodec(p.codecRef.kind === 'file' ? p.codecRef.path : p.codecRef.id);
    try {
      for (const run of await runExamples(codec, parsed.examples)) {
        if (run.differences.length === 0) {
          passed += 1;
          continue;
        }
        const title = run.example.description ? ` "${run.example.description}"` : '';
        problems.push(`${p.file}: example ${run.number}${title} fails: ${run.differences.join('; ')}`);
      }
    } finally {
      codec.close();
    }
  }
  return { problems, passed };
}

async function checkProfiles(args: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(args, {}, true);
  if (positionals.length > 1) throw new UsageError(`give at most one directory: ${USAGE}`);
  const dir = positionals[0];
  const set = loadProfiles({ extraDir: dir });
  const problems = set.problems.map(formatProfileProblem);
  for (const p of set.profiles.values()) {
    const ports = builtinPortProblem(p);
    if (ports) problems.push(formatProfileProblem(ports));
  }
  const codecProblems = await checkCodecFiles(set.profiles.values());
  problems.push(...codecProblems.map((c) => c.line));
  const failing = new Set(codecProblems.map((c) => c.profile));
  const usable = [...set.profiles.values()].filter((p) => !failing.has(p));
  const examples = await checkExamples(usable);
  problems.push(...examples.problems);
  const local = usable.filter((p) => p.origin === 'local').length;
  const out = process.stdout;
  for (const line of problems) out.write(`${line}\n`);
  const summary = `${usable.length} profiles usable (${usable.length - local} shipped, ${local} from ${dir ?? 'no local directory'})`;
  if (problems.length === 0) {
    const passedText = examples.passed > 0 ? `, ${examples.passed} example${examples.passed === 1 ? '' : 's'} pass` : '';
    out.write(`ok: ${summary}, every codec loads${passedText}\n`);
    return 0;
  }
  out.write(`${problems.length} problem${problems.length === 1 ? '' : 's'}; ${summary}\n`);
  return 1;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]))).join('  ')).join('\n');
}

async function listProfiles(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { dir: { type: 'string' } }, true);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}": ${USAGE}`);
  const set = loadProfiles({ extraDir: values.dir });
  for (const p of set.problems) process.stderr.write(`skipped: ${formatProfileProblem(p)}\n`);
  const rows = [['ID', 'VENDOR', 'MODEL', 'CATEGORY', 'CODEC', 'FPORTS']];
  const sorted = [...set.profiles.values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const p of sorted) rows.push([p.id, p.vendor, p.model, p.category, p.codec, p.fPorts.join(',')]);
  process.stdout.write(`${table(rows)}\n`);
  return 0;
}
