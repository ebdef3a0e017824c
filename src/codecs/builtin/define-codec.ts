// Turns a plain decode function plus the model's metadata into a BuiltinCodec that never throws:
// input validation, the fPort check and exception capture live here once for every device model.
import type {
  BuiltinCodec,
  DecodeResult,
  DeviceCategory,
  DeviceClass,
  DownlinkInput,
  EncodeResult,
  PayloadExample,
  UplinkInput,
} from '../contract.js';
import { PayloadError } from './fields.js';

/** Where a decoder reports non-fatal oddities (`warnings`) and problems that invalidate the result (`errors`). */
export interface DecodeContext {
  readonly fPort: number;
  readonly warnings: string[];
  readonly errors: string[];
}

/** Decodes one uplink; throws `PayloadError` when nothing usable can be produced. */
export type UplinkDecoder = (bytes: number[], ctx: DecodeContext) => Record<string, unknown>;

export interface CodecDefinition {
  id: string;
  vendor: string;
  model: string;
  category: DeviceCategory;
  deviceClass: DeviceClass;
  fPorts: number[];
  description: string;
  examples?: readonly PayloadExample[];
  decode: UplinkDecoder;
  encodeDownlink?(input: DownlinkInput): EncodeResult;
}

/** Codecs made here: they contain their own exceptions, so callers need not wrap them again. */
const DEFINED = new WeakSet<BuiltinCodec>();

/** True for a codec made by defineCodec (a copy or hand-made object is not). */
export function isDefinedCodec(codec: BuiltinCodec): boolean {
  return DEFINED.has(codec);
}

function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Returns a message when `bytes` is not an array of integers 0..255, else null. */
function checkBytes(bytes: unknown): string | null {
  if (!Array.isArray(bytes)) return 'input.bytes must be an array of byte values';
  for (let i = 0; i < bytes.length; i++) {
    const v: unknown = bytes[i];
    if (typeof v !== 'number' || v !== (v & 0xff)) return `input.bytes[${i}] is not an integer 0..255`;
  }
  return null;
}

export function defineCodec(def: CodecDefinition): BuiltinCodec {
  const portAllowed = new Uint8Array(256);
  for (const p of def.fPorts) portAllowed[p] = 1;
  const expected = def.fPorts.join(', ');
  const decode = def.decode;
  const id = def.id;

  function decodeUplink(input: UplinkInput): DecodeResult {
    const warnings: string[] = [];
    const errors: string[] = [];
    const bytes = input?.bytes;
    const bad = checkBytes(bytes);
    if (bad !== null) {
      errors.push(bad);
      return { warnings, errors };
    }
    const fPort = input.fPort;
    if (typeof fPort !== 'number' || portAllowed[fPort] !== 1) {
      errors.push(`unknown fPort ${String(fPort)} for ${id} (expected ${expected})`);
      return { warnings, errors };
    }
    try {
      const data = decode(bytes, { fPort, warnings, errors });
      return { data, warnings, errors };
    } catch (e) {
      errors.push(e instanceof PayloadError ? e.message : `decoder failure in ${id}: ${describeThrown(e)}`);
      return { warnings, errors };
    }
  }

  const codec: BuiltinCodec = {
    id,
    vendor: def.vendor,
    model: def.model,
    category: def.category,
    deviceClass: def.deviceClass,
    fPorts: def.fPorts.slice(),
    description: def.description,
    ...(def.examples !== undefined ? { examples: def.examples } : {}),
    decodeUplink,
  };
  const encode = def.encodeDownlink;
  if (encode !== undefined) {
    codec.encodeDownlink = (input: DownlinkInput): EncodeResult => {
      try {
        return encode(input);
      } catch (e) {
        return { errors: [`encoder failure in ${id}: ${describeThrown(e)}`], warnings: [] };
      }
    };
  }
  DEFINED.add(codec);
  return codec;
}
