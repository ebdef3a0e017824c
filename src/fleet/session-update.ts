// A session the hub hands over for an OTAA device that joined through the network server: DevAddr,
// session keys (LoRaWAN 1.0: NwkSKey, AppSKey; 1.1: FNwkSIntKey, SNwkSIntKey, NwkSEncKey, AppSKey),
// the last uplink counter the network server saw, and when the device joined (a rejoin is a new
// session). Same envelope as a bundle (SHA-256, optional Ed25519 signature); the keys may be sealed
// to gateway keys. Errors never contain key material.
import { z } from 'zod';
import { checkIntegrity, sha256Of, signDigest, type Signature, type TrustedKey } from './signing.js';
import { openSealed, seal, SEAL_ALGORITHM, type GatewayPrivateKey, type Sealed } from './sealed.js';

export const SESSION_FORMAT = 'lora-edge-fleet-session';
export const SESSION_SIGNATURE_KIND = 'fleet-session/v1';
const MAX_SESSION_BYTES = 64 * 1024;

const hexKey = z.string().regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hex digits');
const keys10 = z.strictObject({ nwkSKey: hexKey, appSKey: hexKey });
const keys11 = z.strictObject({ fNwkSIntKey: hexKey, sNwkSIntKey: hexKey, nwkSEncKey: hexKey, appSKey: hexKey });

const sessionSchema = z.strictObject({
  format: z.literal(SESSION_FORMAT, { error: `must be "${SESSION_FORMAT}"` }),
  formatVersion: z.literal(1, { error: 'must be 1' }),
  devEui: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lower-case hex digits'),
  devAddr: z.string().regex(/^[0-9a-fA-F]{8}$/, 'must be 8 hex digits'),
  lorawan: z.enum(['1.0', '1.1']),
  /** When the device joined: a session with a later time replaces this device's session. */
  joinedAt: z.iso.datetime({ error: 'must be an ISO 8601 UTC time' }),
  /** Last FCntUp the network server accepted (32 bits); null before the first uplink. */
  fCntUp: z.number().int().min(0).max(0xffffffff).nullable(),
  keys: z.unknown().optional(),
  sealedKeys: z
    .strictObject({
      alg: z.literal(SEAL_ALGORITHM),
      recipients: z.array(z.strictObject({ keyId: z.string(), epk: z.string(), iv: z.string(), tag: z.string(), key: z.string() })).min(1).max(10_000),
      iv: z.string(),
      tag: z.string(),
      data: z.string(),
    })
    .optional(),
});

export type SessionContent = z.output<typeof sessionSchema>;

export interface SessionKeys10 {
  nwkSKey: string;
  appSKey: string;
}
export interface SessionKeys11 {
  fNwkSIntKey: string;
  sNwkSIntKey: string;
  nwkSEncKey: string;
  appSKey: string;
}

/** A checked session update with its keys as bytes. */
export interface HandedSession {
  devEui: string;
  devAddr: number;
  lorawan: '1.0' | '1.1';
  joinedAt: string;
  fCntUp: number | null;
  /** 1.0: NwkSKey; 1.1: FNwkSIntKey (what the uplink MIC's checked half is made with). */
  micKey: Buffer;
  appSKey: Buffer;
}

export interface SessionEnvelope {
  session: SessionContent;
  sha256: string;
  signature?: Signature;
}

export interface SessionMessageInput {
  devEui: string;
  devAddr: string;
  lorawan: '1.0' | '1.1';
  joinedAt: string;
  fCntUp: number | null;
  keys: SessionKeys10 | SessionKeys11;
  /** Seal the keys to these gateway keys (base64 X25519) instead of sending them in clear. */
  encryptTo?: readonly string[];
  signKeyPem?: string;
}

/** The wire form of a session update (hub side: `lora-edge fleet session`). */
export function makeSessionMessage(input: SessionMessageInput): Buffer {
  const sealed = input.encryptTo && input.encryptTo.length > 0;
  const content: SessionContent = {
    format: SESSION_FORMAT,
    formatVersion: 1,
    devEui: input.devEui.toLowerCase(),
    devAddr: input.devAddr.toLowerCase(),
    lorawan: input.lorawan,
    joinedAt: input.joinedAt,
    fCntUp: input.fCntUp,
    ...(sealed ? { sealedKeys: seal(input.keys, input.encryptTo!) } : { keys: input.keys }),
  };
  const sha256 = sha256Of(content);
  const env: SessionEnvelope = { session: content, sha256, ...(input.signKeyPem ? { signature: signDigest(SESSION_SIGNATURE_KIND, sha256, input.signKeyPem) } : {}) };
  return Buffer.from(JSON.stringify(env), 'utf8');
}

export type SessionDecode = { ok: true; session: HandedSession } | { ok: false; reasons: string[] };

/** Parses and checks one session update; never throws, never puts a key into a reason. */
export function decodeSessionMessage(
  payload: Buffer,
  ctx: { trusted: readonly TrustedKey[]; privateKey?: GatewayPrivateKey; topicDevEui?: string },
): SessionDecode {
  if (payload.length > MAX_SESSION_BYTES) return { ok: false, reasons: [`session update is ${payload.length} bytes; at most ${MAX_SESSION_BYTES}`] };
  let env: Record<string, unknown>;
  try {
    env = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
  } catch {
    return { ok: false, reasons: ['session update is not JSON'] };
  }
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return { ok: false, reasons: ['session update must be {session, sha256, signature?}'] };
  const shape = sessionSchema.safeParse(env.session);
  if (!shape.success) {
    // Only the paths and zod's messages: a malformed key's value is never repeated.
    return { ok: false, reasons: shape.error.issues.slice(0, 10).map((i) => `session.${i.path.join('.')}: ${i.message}`) };
  }
  const s = shape.data;
  const reasons = checkIntegrity(SESSION_SIGNATURE_KIND, env.session, { sha256: env.sha256, signature: env.signature }, ctx.trusted);
  if (ctx.topicDevEui !== undefined && ctx.topicDevEui.toLowerCase() !== s.devEui) reasons.push(`session.devEui ${s.devEui} does not match its topic (${ctx.topicDevEui})`);
  if ((s.keys === undefined) === (s.sealedKeys === undefined)) reasons.push('session: give exactly one of keys and sealedKeys');
  if (reasons.length > 0) return { ok: false, reasons };
  let rawKeys: unknown = s.keys;
  if (s.sealedKeys) {
    try {
      rawKeys = openSealed(s.sealedKeys as Sealed, ctx.privateKey);
    } catch (err) {
      return { ok: false, reasons: [`session.sealedKeys: ${(err as Error).message}`] };
    }
  }
  const keySchema = s.lorawan === '1.0' ? keys10 : keys11;
  const keys = keySchema.safeParse(rawKeys);
  if (!keys.success) {
    const need = s.lorawan === '1.0' ? 'nwkSKey, appSKey' : 'fNwkSIntKey, sNwkSIntKey, nwkSEncKey, appSKey';
    return { ok: false, reasons: [`session.keys: LoRaWAN ${s.lorawan} needs exactly ${need}, each 32 hex digits (${keys.error.issues.map((i) => i.path.join('.') || 'keys').join(', ')} wrong)`] };
  }
  const k = keys.data as Partial<SessionKeys10 & SessionKeys11>;
  return {
    ok: true,
    session: {
      devEui: s.devEui,
      devAddr: parseInt(s.devAddr, 16) >>> 0,
      lorawan: s.lorawan,
      joinedAt: s.joinedAt,
      fCntUp: s.fCntUp,
      micKey: Buffer.from((s.lorawan === '1.0' ? k.nwkSKey : k.fNwkSIntKey)!, 'hex'),
      appSKey: Buffer.from(k.appSKey!, 'hex'),
    },
  };
}
