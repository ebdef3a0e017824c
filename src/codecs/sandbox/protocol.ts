// Messages between the host and the sandbox worker. Plain strings: one leading tag character,
// then a payload, so a call's input and result JSON cross the channel without double escaping.

import type { ConsoleLine } from './sandbox-console.js';

export type CodecForm = 'ts013' | 'chirpstack-v3' | 'ttn-v2';
export type CodecEntry = 'decodeUplink' | 'encodeDownlink' | 'decodeDownlink';

/** Position of each entry in the in-sandbox runner (see sandbox-prelude.ts). */
export const ENTRY_INDEX: Readonly<Record<CodecEntry, number>> = {
  decodeUplink: 0,
  encodeDownlink: 1,
  decodeDownlink: 2,
};

export interface LoadRequest {
  handle: number;
  /** File name shown in stack traces and messages. */
  name: string;
  source: string;
  timeLimitMs: number;
  loadTimeLimitMs: number;
  memoryLimitBytes: number;
}

export interface LoadedCodecInfo {
  form: CodecForm;
  hasEncodeDownlink: boolean;
  hasDecodeDownlink: boolean;
}

export interface EngineStats {
  /** Codecs loaded in the worker. */
  codecs: number;
  /** Of those, how many have a built QuickJS context right now. */
  liveContexts: number;
}

export type Request =
  | { op: 'load'; load: LoadRequest }
  | { op: 'call'; handle: number; entry: CodecEntry; inputJson: string }
  | { op: 'unload'; handle: number }
  | { op: 'stats' };

/** `reason` is a CodecFailureReason for calls and a CodecLoadFailure for loads. */
export interface FailurePayload {
  reason: string;
  message: string;
  line?: number;
  /** What the codec logged before it failed. */
  console?: ConsoleLine[];
}

export type Response =
  /** `console`: lines the codec logged during the call. */
  | { kind: 'ok'; payload: string; console?: ConsoleLine[] }
  | { kind: 'failure'; failure: FailurePayload }
  /** The engine itself broke (WebAssembly abort, host stack); the host must restart the worker. */
  | { kind: 'fatal'; message: string };

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

const ENTRIES: readonly CodecEntry[] = ['decodeUplink', 'encodeDownlink', 'decodeDownlink'];

export function encodeRequest(req: Request): string {
  switch (req.op) {
    case 'load':
      return 'L' + JSON.stringify(req.load);
    case 'call':
      return `C${req.handle}\t${ENTRY_INDEX[req.entry]}\t${req.inputJson}`;
    case 'unload':
      return `U${req.handle}`;
    case 'stats':
      return 'S';
  }
}

function parseHandle(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0 || text === '') throw new ProtocolError(`bad codec handle "${text}"`);
  return n;
}

export function decodeRequest(text: string): Request {
  const tag = text.charAt(0);
  const body = text.slice(1);
  switch (tag) {
    case 'L': {
      const load = JSON.parse(body) as LoadRequest;
      if (typeof load !== 'object' || load === null || typeof load.source !== 'string') {
        throw new ProtocolError('load request without source');
      }
      return { op: 'load', load };
    }
    case 'C': {
      const firstTab = body.indexOf('\t');
      const secondTab = body.indexOf('\t', firstTab + 1);
      if (firstTab < 0 || secondTab < 0) throw new ProtocolError('call request without fields');
      const entry = ENTRIES[Number(body.slice(firstTab + 1, secondTab))];
      if (entry === undefined) throw new ProtocolError('call request with unknown entry');
      return { op: 'call', handle: parseHandle(body.slice(0, firstTab)), entry, inputJson: body.slice(secondTab + 1) };
    }
    case 'U':
      return { op: 'unload', handle: parseHandle(body) };
    case 'S':
      return { op: 'stats' };
    default:
      throw new ProtocolError(`unknown request tag "${tag}"`);
  }
}

export function encodeResponse(res: Response): string {
  switch (res.kind) {
    case 'ok':
      // JSON text never holds a raw newline, so the first one ends the console lines.
      return res.console !== undefined && res.console.length > 0 ? `C${JSON.stringify(res.console)}\n${res.payload}` : 'R' + res.payload;
    case 'failure':
      return 'F' + JSON.stringify(res.failure);
    case 'fatal':
      return 'X' + res.message;
  }
}

export function decodeResponse(text: string): Response {
  const tag = text.charAt(0);
  const body = text.slice(1);
  switch (tag) {
    case 'R':
      return { kind: 'ok', payload: body };
    case 'C': {
      const newline = body.indexOf('\n');
      if (newline < 0) throw new ProtocolError('console response without payload');
      const lines = JSON.parse(body.slice(0, newline)) as ConsoleLine[];
      if (!Array.isArray(lines)) throw new ProtocolError('console response without a list of lines');
      return { kind: 'ok', payload: body.slice(newline + 1), console: lines };
    }
    case 'F': {
      const failure = JSON.parse(body) as FailurePayload;
      if (typeof failure?.reason !== 'string' || typeof failure.message !== 'string') {
        throw new ProtocolError('failure response without reason/message');
      }
      return { kind: 'failure', failure };
    }
    case 'X':
      return { kind: 'fatal', message: body };
    default:
      throw new ProtocolError(`unknown response tag "${tag}"`);
  }
}
