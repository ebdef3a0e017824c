// Command-line errors and argument parsing shared by main.ts, the tools and the simulators' own
// command lines: a UsageError means the user asked for something malformed (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${name} is required`);
  return value;
}

export function parseNumberOption(value: unknown, name: string, opts: { min?: number; integer?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${name} must be a number, got "${String(value)}"`);
  if (opts.integer && !Number.isInteger(n)) throw new UsageError(`${name} must be a whole number, got "${value}"`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`${name} must be at least ${opts.min}, got ${n}`);
  return n;
}

/** node:util parseArgs with its errors turned into UsageError. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
