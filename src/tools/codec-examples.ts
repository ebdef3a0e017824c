// Codec examples: an fPort and bytes with the output the codec must give. They come from a codec
// YAML of The Things Network's device repository (`uplinkDecoder.examples`) or from a device
// profile's `examples`. Running them tells field staff whether a vendor codec gives what its
// vendor says before it reaches a gateway.
import type { CodecOutcome } from '../codecs/contract.js';
import type { ConsoleLine } from '../codecs/sandbox/sandbox-console.js';
import { jsonDifferences } from './json-diff.js';
import type { ToolCodec } from './tool-codec.js';

export interface CodecExample {
  description: string;
  fPort: number;
  bytes: number[];
  recvTime?: Date;
  variables?: Record<string, string>;
  expected: CodecOutcome;
}

export interface ExampleRun {
  example: CodecExample;
  /** 1-based position in the file. */
  number: number;
  outcome: CodecOutcome;
  differences: string[];
  console: ConsoleLine[];
  rerun?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringList(value: unknown, where: string, problems: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  problems.push(`${where} must be a list of strings`);
  return [];
}

function parseOne(raw: unknown, where: string, problems: string[]): CodecExample | undefined {
  const before = problems.length;
  if (!isObject(raw)) {
    problems.push(`${where} must be a mapping with input and output`);
    return undefined;
  }
  const input = raw.input;
  const output = raw.output;
  if (!isObject(input)) problems.push(`${where}.input must be a mapping with fPort and bytes`);
  if (!isObject(output)) problems.push(`${where}.output must be a mapping with data, warnings or errors`);
  if (!isObject(input) || !isObject(output)) return undefined;
  const fPort = input.fPort;
  if (typeof fPort !== 'number' || !Number.isInteger(fPort) || fPort < 0 || fPort > 255) problems.push(`${where}.input.fPort must be a whole number 0..255`);
  const bytes = input.bytes;
  if (!Array.isArray(bytes) || !bytes.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255)) {
    problems.push(`${where}.input.bytes must be a list of byte values 0..255`);
  }
  let recvTime: Date | undefined;
  if (input.recvTime !== undefined) {
    recvTime = new Date(input.recvTime as string);
    if (Number.isNaN(recvTime.getTime())) problems.push(`${where}.input.recvTime must be an ISO 8601 date-time`);
  }
  const variables = input.variables;
  if (variables !== undefined && !(isObject(variables) && Object.values(variables).every((v) => typeof v === 'string'))) {
    problems.push(`${where}.input.variables must map names to text`);
  }
  const data = output.data;
  if (data !== undefined && data !== null && !isObject(data)) problems.push(`${where}.output.data must be a mapping`);
  const warnings = stringList(output.warnings, `${where}.output.warnings`, problems);
  const errors = stringList(output.errors, `${where}.output.errors`, problems);
  if (problems.length > before) return undefined;
  return {
    description: typeof raw.description === 'string' ? raw.description : '',
    fPort: fPort as number,
    bytes: bytes as number[],
    ...(recvTime ? { recvTime } : {}),
    ...(variables ? { variables: variables as Record<string, string> } : {}),
    // A result with errors carries no data (docs/adding-a-device.md), whatever the example says.
    expected: { data: isObject(data) ? data : null, warnings, errors },
  };
}

/** Checks a list of examples; `where` names the list in problem lines (for example `uplinkDecoder.examples`). */
export function parseExamples(raw: unknown, where: string): { examples: CodecExample[]; problems: string[] } {
  const problems: string[] = [];
  if (!Array.isArray(raw)) return { examples: [], problems: [`${where} must be a list`] };
  const examples: CodecExample[] = [];
  raw.forEach((item, i) => {
    const example = parseOne(item, `${where}[${i}]`, problems);
    if (example) examples.push(example);
  });
  return { examples, problems };
}

export interface TtnCodecFile {
  /** `uplinkDecoder.fileName`, resolved against the YAML file's directory. */
  codecFile?: string;
  examples: CodecExample[];
  problems: string[];
}

/** Reads a device-repository codec YAML (`uplinkDecoder: { fileName, examples }`). */
export async function readTtnCodecYaml(file: string): Promise<TtnCodecFile> {
  const { readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const { readYaml } = await import('../safe-yaml.js');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { examples: [], problems: [`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`] };
  }
  // The reader of the daemon's own files: aliases, alias bombs and deep nesting come back as
  // problems with a line, not as exceptions.
  const read = readYaml(text, { schema: 'core' });
  if (!read.ok) return { examples: [], problems: read.problems.map((p) => (p.line === null ? p.message : `line ${p.line}: ${p.message}`)) };
  const root: unknown = read.value;
  if (!isObject(root) || !isObject(root.uplinkDecoder)) return { examples: [], problems: ['the file has no uplinkDecoder section'] };
  const section = root.uplinkDecoder;
  const fileName = typeof section.fileName === 'string' && section.fileName !== '' ? section.fileName : undefined;
  if (section.examples === undefined) {
    return { ...(fileName ? { codecFile: path.resolve(path.dirname(file), fileName) } : {}), examples: [], problems: ['uplinkDecoder has no examples'] };
  }
  const parsed = parseExamples(section.examples, 'uplinkDecoder.examples');
  return { ...(fileName ? { codecFile: path.resolve(path.dirname(file), fileName) } : {}), ...parsed };
}

export async function runExamples(codec: ToolCodec, examples: readonly CodecExample[]): Promise<ExampleRun[]> {
  const runs: ExampleRun[] = [];
  for (const [i, example] of examples.entries()) {
    const result = await codec.decode({
      bytes: example.bytes,
      fPort: example.fPort,
      recvTime: example.recvTime ?? new Date(),
      variables: example.variables ?? {},
    });
    runs.push({
      example,
      number: i + 1,
      outcome: result.outcome,
      differences: jsonDifferences(example.expected, result.outcome),
      console: result.console,
      ...(result.rerun ? { rerun: result.rerun } : {}),
    });
  }
  return runs;
}

/** One line per example, with its differences indented below a failing one. */
export function formatExampleRuns(runs: readonly ExampleRun[]): string {
  let out = '';
  for (const run of runs) {
    const title = run.example.description ? ` ${run.example.description}` : '';
    out += `${run.differences.length === 0 ? 'pass' : 'FAIL'} ${run.number}:${title} (fPort ${run.example.fPort})\n`;
    for (const d of run.differences) out += `    ${d}\n`;
  }
  return out;
}
