// Host-side check of what came out of the sandbox. The in-sandbox prelude already gives precise
// messages for ordinary mistakes; this is the authoritative check, because a hostile codec can
// tamper with the prelude's view of built-in prototypes. Pure.

import type { CodecOutcome, EncodeResult } from '../contract.js';
import type { CodecFailureReason } from './errors.js';
import { MAX_OUTPUT_BYTES, MAX_OUTPUT_DEPTH } from './limits.js';

/** EncodeResult that always carries both message lists (like CodecOutcome). */
export type EncodeOutcome = EncodeResult & { warnings: string[]; errors: string[] };

/** Largest application payload (FRMPayload) LoRaWAN allows in any region: N = 242. */
export const MAX_DOWNLINK_BYTES = 242;

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: CodecFailureReason; message: string };

function invalid<T>(message: string): Checked<T> {
  return { ok: false, reason: 'invalid-output', message: `codec returned invalid output: ${message}` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Nesting depth of a JSON value, computed without recursion. */
export function jsonDepth(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (value === null || typeof value !== 'object') continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    for (const child of Object.values(value)) stack.push([child, level]);
  }
  return deepest;
}

function parseSized(json: string): Checked<Record<string, unknown>> {
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_OUTPUT_BYTES) {
    return {
      ok: false,
      reason: 'output-too-large',
      message: `codec output is ${bytes} bytes when serialized, over the ${MAX_OUTPUT_BYTES}-byte limit`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return invalid('the result is not JSON');
  }
  if (!isPlainObject(parsed)) return invalid('the result is not an object');
  // +1: the result wraps `data` in one more level than the prelude counts.
  if (jsonDepth(parsed) > MAX_OUTPUT_DEPTH + 1) return invalid(`the result is nested more than ${MAX_OUTPUT_DEPTH} levels deep`);
  return { ok: true, value: parsed };
}

function messages(value: unknown, name: string): string[] | string {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((m) => typeof m === 'string')) return `${name} must be an array of strings`;
  return value as string[];
}

/** A result with errors carries `data: null`, as built-in codecs' results do (docs/adding-a-device.md). */
export function checkDecodeOutput(json: string): Checked<CodecOutcome> {
  const parsed = parseSized(json);
  if (!parsed.ok) return parsed;
  const { data, warnings, errors } = parsed.value;
  if (data !== undefined && data !== null && !isPlainObject(data)) return invalid('data must be an object');
  const warningList = messages(warnings, 'warnings');
  if (typeof warningList === 'string') return invalid(warningList);
  const errorList = messages(errors, 'errors');
  if (typeof errorList === 'string') return invalid(errorList);
  const kept = errorList.length === 0 && isPlainObject(data) ? data : null;
  return { ok: true, value: { data: kept, warnings: warningList, errors: errorList } };
}

/** `requestedFPort` is used when the codec does not return one (ChirpStack does the same). */
export function checkEncodeOutput(json: string, requestedFPort?: number): Checked<EncodeOutcome> {
  const parsed = parseSized(json);
  if (!parsed.ok) return parsed;
  const { bytes, fPort, warnings, errors } = parsed.value;
  const warningList = messages(warnings, 'warnings');
  if (typeof warningList === 'string') return invalid(warningList);
  const errorList = messages(errors, 'errors');
  if (typeof errorList === 'string') return invalid(errorList);
  const outcome: EncodeOutcome = { warnings: warningList, errors: errorList };

  if (bytes !== undefined && bytes !== null) {
    if (!Array.isArray(bytes)) return invalid('bytes must be an array');
    const bad = bytes.findIndex((b) => typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255);
    if (bad >= 0) return invalid(`bytes[${bad}] is ${JSON.stringify(bytes[bad])}, not a byte (0-255)`);
    if (bytes.length > MAX_DOWNLINK_BYTES) {
      return invalid(`bytes has ${bytes.length} bytes; a LoRaWAN application payload holds at most ${MAX_DOWNLINK_BYTES}`);
    }
    outcome.bytes = bytes as number[];
  } else if (errorList.length === 0) {
    return invalid('encodeDownlink returned neither bytes nor errors');
  }

  const port = fPort ?? requestedFPort;
  if (port !== undefined && port !== null) {
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 223) {
      return invalid(`fPort ${JSON.stringify(port)} is not an application port (1-223)`);
    }
    outcome.fPort = port;
  }
  return { ok: true, value: outcome };
}

export function errorOutcome(message: string): CodecOutcome {
  return { data: null, warnings: [], errors: [message] };
}

export function encodeErrorOutcome(message: string): EncodeOutcome {
  return { warnings: [], errors: [message] };
}
