// `lora-edge decode --codec <id|path> --fport N <hex>`: run one payload through a codec, the way
// the daemon would, and print `{data, warnings, errors}` as JSON. Exit 0 without errors, 1 with
// errors, 2 on bad usage.
import path from 'node:path';
import type { CodecOutcome, UplinkInput } from '../codecs/contract.js';
import { findBuiltinCodec, runBuiltinDecode } from '../codecs/builtin/index.js';
import { CodecLoadError, loadUserCodec } from '../codecs/sandbox/index.js';
import { builtinCodecIds, isCodecPath } from '../devices/profiles.js';
import { UsageError, parseCommandArgs, parseNumberOption, requireString } from './usage.js';

export const DECODE_USAGE = 'lora-edge decode --codec <id|path.js> --fport N [--var NAME=VALUE ...] [--time ISO] <hex>';

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

async function runCodec(codec: string, input: UplinkInput): Promise<CodecOutcome> {
  if (!isCodecPath(codec)) {
    const builtin = findBuiltinCodec(codec);
    if (!builtin) {
      throw new UsageError(`unknown codec "${codec}"; built-in codecs: ${builtinCodecIds().join(', ')} (or give a path to a .js file)`);
    }
    return runBuiltinDecode(builtin, input);
  }
  let user;
  try {
    user = await loadUserCodec(path.resolve(codec), { quarantineAfter: 0 });
  } catch (err) {
    if (err instanceof CodecLoadError && err.reason === 'not-found') throw new UsageError(err.message);
    if (err instanceof CodecLoadError) return { data: null, warnings: [], errors: [err.message] };
    throw err;
  }
  try {
    return user.decodeUplink(input);
  } finally {
    user.dispose();
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
    },
    true,
  );
  const codec = requireString(values.codec, '--codec');
  const fPort = parseNumberOption(requireString(values.fport, '--fport'), '--fport', { min: 0, integer: true }) as number;
  if (fPort > 255) throw new UsageError(`--fport must be 0..255, got ${fPort}`);
  if (positionals.length !== 1) throw new UsageError(`give exactly one payload as hex; usage: ${DECODE_USAGE}`);
  const bytes = parsePayloadHex(positionals[0]);
  const outcome = await runCodec(codec, {
    bytes: Array.from(bytes),
    fPort,
    recvTime: parseTime(values.time),
    variables: parseVariables(values.var),
  });
  process.stdout.write(`${JSON.stringify({ data: outcome.data, warnings: outcome.warnings, errors: outcome.errors }, null, 2)}\n`);
  return outcome.errors.length > 0 ? 1 : 0;
}
