// How edge state is written to disk: one JSON value per device (session, queue, pending ACK,
// last DevStatusAns; keys and payloads as hex), DevNonces as a packed list of u16, and a small
// meta record. Parsing validates everything, so a damaged entry is reported, not trusted.
import { z } from 'zod';
import type { DeviceEdgeState, EdgeMeta } from './edge-state.js';

const FORMAT_VERSION = 1;
const hex = (bytes?: number) => z.string().regex(bytes === undefined ? /^(?:[0-9a-f]{2})*$/ : new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const u32 = z.number().int().min(0).max(0xffffffff);

const storedState = z.object({
  v: z.literal(FORMAT_VERSION),
  session: z
    .object({
      devAddr: hex(4),
      nwkSKey: hex(16),
      appSKey: hex(16),
      fCntUp: u32.nullable(),
      fCntDown: u32,
      devNonce: z.number().int().min(0).max(0xffff),
      joinNonce: z.number().int().min(0).max(0xffffff),
      joinedAt: z.number(),
      lastSource: z.string().optional(),
      lastDataRate: z.number().int().min(0).max(15).optional(),
    })
    .optional(),
  queue: z.array(
    z.object({
      id: z.string(),
      fPort: z.number().int().min(1).max(223),
      bytes: hex(),
      confirmed: z.boolean(),
      queuedAt: z.number(),
      attempts: z.number().int().min(0),
    }),
  ),
  awaitingAck: z.object({ id: z.string(), fCntDown: u32, fPort: z.number().int(), sentAt: z.number() }).optional(),
  devStatus: z.object({ battery: z.number().int(), margin: z.number().int(), at: z.number() }).optional(),
});

const storedMeta = z.object({ joinNonce: z.number().int().min(0).max(0xffffff), devAddrCursor: u32 });

export function encodeDeviceState(s: DeviceEdgeState): string {
  const session = s.session
    ? {
        devAddr: s.session.devAddr.toString(16).padStart(8, '0'),
        nwkSKey: s.session.nwkSKey.toString('hex'),
        appSKey: s.session.appSKey.toString('hex'),
        fCntUp: s.session.fCntUp ?? null,
        fCntDown: s.session.fCntDown,
        devNonce: s.session.devNonce,
        joinNonce: s.session.joinNonce,
        joinedAt: s.session.joinedAt,
        lastSource: s.session.lastSource,
        lastDataRate: s.session.lastDataRate,
      }
    : undefined;
  return JSON.stringify({
    v: FORMAT_VERSION,
    session,
    queue: s.queue.map((q) => ({ ...q, bytes: q.bytes.toString('hex') })),
    awaitingAck: s.awaitingAck,
    devStatus: s.devStatus,
  });
}

/** The stored state, or a reason it cannot be used. */
export function decodeDeviceState(text: string): DeviceEdgeState | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const r = storedState.safeParse(raw);
  if (!r.success) return r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  const d = r.data;
  const state: DeviceEdgeState = {
    queue: d.queue.map((q) => ({ ...q, bytes: Buffer.from(q.bytes, 'hex') })),
  };
  if (d.session) {
    const s = d.session;
    state.session = {
      devAddr: parseInt(s.devAddr, 16) >>> 0,
      nwkSKey: Buffer.from(s.nwkSKey, 'hex'),
      appSKey: Buffer.from(s.appSKey, 'hex'),
      fCntUp: s.fCntUp ?? undefined,
      fCntDown: s.fCntDown,
      devNonce: s.devNonce,
      joinNonce: s.joinNonce,
      joinedAt: s.joinedAt,
      ...(s.lastSource !== undefined ? { lastSource: s.lastSource } : {}),
      ...(s.lastDataRate !== undefined ? { lastDataRate: s.lastDataRate } : {}),
    };
  }
  if (d.awaitingAck) state.awaitingAck = d.awaitingAck;
  if (d.devStatus) state.devStatus = d.devStatus;
  return state;
}

export function encodeNonces(nonces: readonly number[]): Buffer {
  const out = Buffer.alloc(nonces.length * 2);
  nonces.forEach((n, i) => out.writeUInt16BE(n & 0xffff, i * 2));
  return out;
}

export function decodeNonces(buf: Buffer): number[] | string {
  if (buf.length % 2 !== 0) return `DevNonce list has an odd length (${buf.length} bytes)`;
  const out: number[] = [];
  for (let i = 0; i < buf.length; i += 2) out.push(buf.readUInt16BE(i));
  return out;
}

export function encodeMeta(meta: EdgeMeta): string {
  return JSON.stringify(meta);
}

export function decodeMeta(text: string): EdgeMeta | string {
  try {
    const r = storedMeta.safeParse(JSON.parse(text));
    return r.success ? r.data : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
}
