// The hub's device command (`<prefix>/gateway/<id>/command/device`): JSON
// {id, devEui, fPort?, confirmed?, data? | bytes?}. Parsing only checks shape; whether the device
// exists, has a session and can take the payload is decided by edge mode.

export interface DeviceCommand {
  id: string;
  /** 16 lower-case hex digits. */
  devEui: string;
  fPort?: number;
  confirmed: boolean;
  /** Application object for the device's codec. */
  data?: Record<string, unknown>;
  /** Raw application payload (from hex). */
  bytes?: Buffer;
}

export type CommandParse =
  | { ok: true; command: DeviceCommand }
  /** id / devEui are whatever could be read, so the failure can still be attributed. */
  | { ok: false; id: string | null; devEui: string | null; reason: string };

import { listSome, quote, shorten } from '../bounded-text.js';

const KNOWN_KEYS = new Set(['id', 'devEui', 'fPort', 'confirmed', 'data', 'bytes']);
const MAX_ID_LENGTH = 128;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readId(v: unknown): string | null {
  if (typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return null;
}

export function parseDeviceCommand(payload: Buffer | string): CommandParse {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch (err) {
    return { ok: false, id: null, devEui: null, reason: shorten(`not valid JSON: ${(err as Error).message}`, 256) };
  }
  if (!isPlainObject(raw)) return { ok: false, id: null, devEui: null, reason: 'command must be a JSON object' };
  const id = readId(raw.id);
  const devEui = typeof raw.devEui === 'string' && /^[0-9a-fA-F]{16}$/.test(raw.devEui) ? raw.devEui.toLowerCase() : null;
  const fail = (reason: string): CommandParse => ({ ok: false, id, devEui, reason });
  if (id === null) return fail(`id must be a non-empty string of at most ${MAX_ID_LENGTH} characters (or an integer)`);
  if (devEui === null) return fail('devEui must be 16 hex digits');
  const unknown = Object.keys(raw).filter((k) => !KNOWN_KEYS.has(k));
  // A hostile command may carry thousands of keys: name a few, count the rest.
  if (unknown.length > 0) return fail(`unknown key${unknown.length > 1 ? 's' : ''} ${listSome(unknown.map((k) => quote(k, 40)))}`);
  const command: DeviceCommand = { id, devEui, confirmed: false };
  if (raw.fPort !== undefined) {
    if (typeof raw.fPort !== 'number' || !Number.isInteger(raw.fPort) || raw.fPort < 1 || raw.fPort > 223) {
      return fail('fPort must be an integer 1..223');
    }
    command.fPort = raw.fPort;
  }
  if (raw.confirmed !== undefined) {
    if (typeof raw.confirmed !== 'boolean') return fail('confirmed must be true or false');
    command.confirmed = raw.confirmed;
  }
  if (raw.data !== undefined && raw.bytes !== undefined) return fail('give either data or bytes, not both');
  if (raw.data !== undefined) {
    if (!isPlainObject(raw.data)) return fail('data must be an object (it is encoded with the device codec)');
    command.data = raw.data;
  } else if (raw.bytes !== undefined) {
    if (typeof raw.bytes !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(raw.bytes)) {
      return fail('bytes must be hex text with an even number of digits, for example "01ff32"');
    }
    if (command.fPort === undefined) return fail('bytes need an fPort');
    command.bytes = Buffer.from(raw.bytes, 'hex');
  } else {
    return fail('give data (encoded with the device codec) or bytes (hex)');
  }
  return { ok: true, command };
}
