// The field-staff tools (`decode`, `profiles`) called as functions, the way their tests do: stdout
// and stderr captured, and the UsageError the command line turns into exit code 2.
import * as assert from 'uvu/assert';
import { UsageError } from '../../src/command-args.js';

export async function capture(run: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await run();
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
  }
}

/** The message of the UsageError `run` throws; fails the test when it throws none. */
export async function usageError(run: () => Promise<number>): Promise<string> {
  try {
    await capture(run);
  } catch (err) {
    assert.instance(err, UsageError);
    return (err as Error).message;
  }
  assert.unreachable('expected a UsageError');
  return '';
}
