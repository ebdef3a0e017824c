// Normalises whatever a codec returned into the record shape: all three keys, data null on errors.
import type { BuiltinCodec, CodecOutcome, UplinkInput } from '../contract.js';

function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const v of value) out.push(typeof v === 'string' ? v : String(v));
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function runBuiltinDecode(codec: BuiltinCodec, input: UplinkInput): CodecOutcome {
  let result: unknown;
  try {
    result = codec.decodeUplink(input);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return { data: null, warnings: [], errors: [`codec ${codec.id} threw: ${reason}`] };
  }
  if (!isPlainObject(result)) {
    return { data: null, warnings: [], errors: [`codec ${codec.id} returned no result object`] };
  }
  const warnings = stringList(result.warnings);
  const errors = stringList(result.errors);
  if (errors.length > 0) return { data: null, warnings, errors };
  if (!isPlainObject(result.data)) {
    errors.push(`codec ${codec.id} returned no data object`);
    return { data: null, warnings, errors };
  }
  return { data: result.data, warnings, errors };
}
