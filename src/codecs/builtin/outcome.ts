// What a built-in codec returned, checked into the shapes the daemon and the tools use: a decode
// always has all three keys (data null on errors), an encode has valid bytes or errors. Codecs
// made by defineCodec already contain their exceptions; any other object (a test double) is
// contained here, so every call path is guarded exactly once.
import type { BuiltinCodec, CodecOutcome, CommandEncoding, CommandInput, UplinkInput } from '../contract.js';
import { isDefinedCodec } from './define-codec.js';

function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const v of value) out.push(typeof v === 'string' ? v : String(v));
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Called<T> = { ok: true; value: T } | { ok: false; error: string };

/** Runs one codec call; only codecs not made by defineCodec can throw, and that becomes an error. */
function call<T>(codec: BuiltinCodec, run: () => T): Called<T> {
  if (isDefinedCodec(codec)) return { ok: true, value: run() };
  try {
    return { ok: true, value: run() };
  } catch (e) {
    return { ok: false, error: `codec ${codec.id} threw: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export function runBuiltinDecode(codec: BuiltinCodec, input: UplinkInput): CodecOutcome {
  const called = call<unknown>(codec, () => codec.decodeUplink(input));
  if (!called.ok) return { data: null, warnings: [], errors: [called.error] };
  const result = called.value;
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

/** The built-in encoder's result checked the same way the sandbox checks user codecs. */
export function runBuiltinEncode(codec: BuiltinCodec, input: CommandInput): CommandEncoding {
  const encoder = codec.encodeDownlink;
  if (encoder === undefined) return { warnings: [], errors: [`codec ${codec.id} has no downlink encoder; send bytes instead`] };
  const called = call(codec, () => encoder({ data: input.data, variables: input.variables }));
  if (!called.ok) return { warnings: [], errors: [called.error] };
  const out = called.value;
  const warnings = (out?.warnings ?? []).map(String);
  const errors = (out?.errors ?? []).map(String);
  if (errors.length > 0) return { warnings, errors };
  const bytes = out?.bytes;
  if (!Array.isArray(bytes) || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
    return { warnings, errors: [`codec ${codec.id} returned no valid bytes`] };
  }
  return { bytes, fPort: out.fPort ?? input.fPort, warnings, errors };
}
