// `lora-edge decode --codec <id|path> --fport N <hex>`: run one payload through a codec, the way
// the daemon would, and print `{data, warnings, errors}` as JSON; what a JavaScript codec logs goes
// to stderr. `lora-edge decode --examples FILE.yaml` runs the examples of a device-repository codec
// YAML instead. Exit 0 without errors (all examples pass), 1 with errors (a failing example), 2 on
// bad usage. Tools start once per payload, so this file imports only what the chosen path needs.
import type { CodecOutcome, UplinkInput } from '../codecs/contract.js';
import { openToolCodec, formatConsoleLines, type ToolCodec } from './tool-codec.js';
import { UsageError, parseCommandArgs, parseNumberOption, requireString } from '../command-args.js';

export const DECODE_USAGE =
  'lora-edge decode --codec <id|path.js> --fport N [--var NAME=VALUE ...] [--time ISO] [--worker] <hex>\n' +
  '       lora-edge decode --examples FILE.yaml [--codec <id|path.js>] [--worker]';

/** Payload bytes from hex; spaces, colons and a 0x prefix are allowed. */
export function parsePayloadHex(text: string): Buffer {
  const hex = text.trim().replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    throw new UsageError(`the payload must be hex with an even number of digits (for example 0100e2), got "${text}"`);
  }
  return Buffer.from(hex, 'hex');
}

function parseVariables(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--var must be NAME=VALUE, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function parseTime(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new UsageError(`--time must be an ISO 8601 date-time, got "${value}"`);
  return t;
}

/** Opens the codec; a JavaScript file that does not load becomes an error outcome. */
async function open(codec: string, worker: boolean): Promise<ToolCodec | CodecOutcome> {
  try {
    return await openToolCodec(codec, { worker });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const { CodecLoadError } = await import('../codecs/sandbox/errors.js');
    if (err instanceof CodecLoadError) return { data: null, warnings: [], errors: [err.message] };
    throw err;
  }
}

function isOutcome(value: ToolCodec | CodecOutcome): value is CodecOutcome {
  return 'errors' in value;
}

async function decodeOne(codecName: string, input: UplinkInput, worker: boolean): Promise<number> {
  const codec = await open(codecName, worker);
  let outcome: CodecOutcome;
  if (isOutcome(codec)) {
    outcome = codec;
  } else {
    try {
      const result = await codec.decode(input);
      process.stderr.write(formatConsoleLines(result.console));
      if (result.rerun) process.stderr.write(`note: ${result.rerun}\n`);
      outcome = result.outcome;
    } finally {
      codec.close();
    }
  }
  process.stdout.write(`${JSON.stringify({ data: outcome.data, warnings: outcome.warnings, errors: outcome.errors }, null, 2)}\n`);
  return outcome.errors.length > 0 ? 1 : 0;
}

async function runExamplesFile(file: string, codecName: string | undefined, worker: boolean): Promise<number> {
  const { readTtnCodecYaml, runExamples, formatExampleRuns } = await import('./codec-examples.js');
  const read = await readTtnCodecYaml(file);
  if (read.problems.length > 0) {
    throw new UsageError(`${file}: ${read.problems.join('; ')}`);
  }
  const chosen = codecName ?? read.codecFile;
  if (chosen === undefined) throw new UsageError(`${file} has no uplinkDecoder.fileName; give the codec with --codec`);
  const codec = await open(chosen, worker);
  const out = process.stdout;
  if (isOutcome(codec)) {
    out.write(`${codec.errors.join('\n')}\n0 of ${read.examples.length} examples pass\n`);
    return 1;
  }
  try {
    const runs = await runExamples(codec, read.examples);
    for (const run of runs) process.stderr.write(formatConsoleLines(run.console));
    out.write(formatExampleRuns(runs));
    const passed = runs.filter((r) => r.differences.length === 0).length;
    out.write(`${passed} of ${runs.length} example${runs.length === 1 ? '' : 's'} pass\n`);
    return passed === runs.length ? 0 : 1;
  } finally {
    codec.close();
  }
}

export async function decodeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      codec: { type: 'string' },
      fport: { type: 'string' },
      var: { type: 'string', multiple: true },
      time: { type: 'string' },
      examples: { type: 'string' },
      worker: { type: 'boolean' },
    },
    true,
  );
  const worker = values.worker === true;
  if (values.examples !== undefined) {
    if (positionals.length > 0 || values.fport !== undefined) {
      throw new UsageError(`--examples takes the payloads from the file; give no --fport or payload. Usage: ${DECODE_USAGE}`);
    }
    return runExamplesFile(requireString(values.examples, '--examples'), values.codec, worker);
  }
  const codec = requireString(values.codec, '--codec');
  const fPort = parseNumberOption(requireString(values.fport, '--fport'), '--fport', { min: 0, integer: true }) as number;
  if (fPort > 255) throw new UsageError(`--fport must be 0..255, got ${fPort}`);
  if (positionals.length !== 1) throw new UsageError(`give exactly one payload as hex; usage: ${DECODE_USAGE}`);
  const bytes = parsePayloadHex(positionals[0]);
  return decodeOne(
    codec,
    { bytes: Array.from(bytes), fPort, recvTime: parseTime(values.time), variables: parseVariables(values.var) },
    worker,
  );
}
