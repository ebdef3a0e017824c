// Builds the JSON handed to a sandboxed codec from the host's typed input, rejecting malformed
// input with a readable reason (a caller bug, so it is not counted against the codec). Pure.

import type { DownlinkInput, UplinkInput } from '../contract.js';
import { MAX_OUTPUT_BYTES } from './limits.js';

/** Downlink encode input; `fPort` is what ChirpStack v3 `Encode(fPort, obj, variables)` receives. */
export interface SandboxDownlinkInput extends DownlinkInput {
  fPort?: number;
}

/** TS013 decodeDownlink input. */
export interface DownlinkBytesInput {
  bytes: number[];
  fPort: number;
  recvTime?: Date;
  variables?: Record<string, string>;
}

/** Encode inputs above this size are refused; they could not be a real downlink request. */
export const MAX_INPUT_BYTES = MAX_OUTPUT_BYTES;

export type BuiltInput = { ok: true; json: string } | { ok: false; message: string };

function bad(message: string): BuiltInput {
  return { ok: false, message: `invalid codec input: ${message}` };
}

function checkBytes(bytes: unknown): string | number[] {
  if (!Array.isArray(bytes) && !(bytes instanceof Uint8Array)) return 'bytes must be an array of numbers';
  const list = Array.from(bytes as ArrayLike<unknown>);
  const at = list.findIndex((b) => typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255);
  if (at >= 0) return `bytes[${at}] is ${String(list[at])}, not a byte (0-255)`;
  return list as number[];
}

function checkPort(fPort: unknown): string | undefined {
  return typeof fPort === 'number' && Number.isInteger(fPort) && fPort >= 0 && fPort <= 255
    ? undefined
    : `fPort ${String(fPort)} is not an integer 0-255`;
}

function checkVariables(variables: unknown): string | Record<string, string> {
  if (variables === undefined) return {};
  if (variables === null || typeof variables !== 'object' || Array.isArray(variables)) return 'variables must be an object';
  for (const [key, value] of Object.entries(variables)) {
    if (typeof value !== 'string') return `variables.${key} must be a string`;
  }
  return variables as Record<string, string>;
}

function checkDate(value: unknown, name: string): string | undefined {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? undefined : `${name} must be a valid Date`;
}

function serialize(value: unknown): BuiltInput {
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    return bad(`not serializable as JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (Buffer.byteLength(json, 'utf8') > MAX_INPUT_BYTES) return bad(`larger than ${MAX_INPUT_BYTES} bytes`);
  return { ok: true, json };
}

export function uplinkInputJson(input: UplinkInput): BuiltInput {
  const bytes = checkBytes(input.bytes);
  if (typeof bytes === 'string') return bad(bytes);
  const portProblem = checkPort(input.fPort);
  if (portProblem) return bad(portProblem);
  const dateProblem = checkDate(input.recvTime, 'recvTime');
  if (dateProblem) return bad(dateProblem);
  const variables = checkVariables(input.variables);
  if (typeof variables === 'string') return bad(variables);
  return serialize({ bytes, fPort: input.fPort, recvTime: input.recvTime.toISOString(), variables });
}

export function downlinkInputJson(input: SandboxDownlinkInput): BuiltInput {
  if (input.data === null || typeof input.data !== 'object' || Array.isArray(input.data)) return bad('data must be an object');
  if (input.fPort !== undefined) {
    const portProblem = checkPort(input.fPort);
    if (portProblem) return bad(portProblem);
  }
  const variables = checkVariables(input.variables);
  if (typeof variables === 'string') return bad(variables);
  return serialize({ data: input.data, variables, ...(input.fPort !== undefined ? { fPort: input.fPort } : {}) });
}

export function downlinkBytesInputJson(input: DownlinkBytesInput): BuiltInput {
  const bytes = checkBytes(input.bytes);
  if (typeof bytes === 'string') return bad(bytes);
  const portProblem = checkPort(input.fPort);
  if (portProblem) return bad(portProblem);
  if (input.recvTime !== undefined) {
    const dateProblem = checkDate(input.recvTime, 'recvTime');
    if (dateProblem) return bad(dateProblem);
  }
  const variables = checkVariables(input.variables);
  if (typeof variables === 'string') return bad(variables);
  return serialize({
    bytes,
    fPort: input.fPort,
    variables,
    ...(input.recvTime !== undefined ? { recvTime: input.recvTime.toISOString() } : {}),
  });
}
