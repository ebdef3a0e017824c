// The fleet bundle as it travels: versioned JSON (device registry entries, profile YAML texts,
// JavaScript codec sources), its SHA-256 over the canonical form and an optional Ed25519 signature,
// gzip-compressed on the wire. Decoding checks the envelope only (size, gzip, JSON, shape,
// integrity, decryption of sealed devices); bundle-validation.ts checks the content.
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { checkIntegrity, sha256Of, signDigest, type Signature, type TrustedKey } from './signing.js';
import { openSealed, SEAL_ALGORITHM, type GatewayPrivateKey, type Sealed } from './sealed.js';

export const BUNDLE_FORMAT = 'lora-edge-fleet-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
/** The `kind` the signature names, so a signed session update cannot pass for a bundle. */
export const BUNDLE_SIGNATURE_KIND = 'fleet-bundle/v1';

export const PROFILE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.ya?ml$/;
export const CODEC_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.js$/;

/** Caps that hold whatever the configuration says: a bundle is text, not a data dump. */
export const MAX_BUNDLE_DEVICES = 200_000;
export const MAX_BUNDLE_PROFILES = 1000;
export const MAX_BUNDLE_CODECS = 200;

export type BundleScope = 'fleet' | 'gateway';

const sealedSchema = z.strictObject({
  alg: z.literal(SEAL_ALGORITHM),
  recipients: z
    .array(z.strictObject({ keyId: z.string(), epk: z.string(), iv: z.string(), tag: z.string(), key: z.string() }))
    .min(1)
    .max(10_000),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});

const contentSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT, { error: `must be "${BUNDLE_FORMAT}"` }),
  formatVersion: z.literal(BUNDLE_FORMAT_VERSION, { error: `must be ${BUNDLE_FORMAT_VERSION} (this gateway reads format version ${BUNDLE_FORMAT_VERSION} only)` }),
  version: z.string().min(1).max(100),
  scope: z.enum(['fleet', 'gateway']),
  /** Only with scope gateway: the gateway this bundle is for (a bundle on the wrong topic is refused). */
  gatewayId: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lower-case hex digits').optional(),
  createdAt: z.iso.datetime({ error: 'must be an ISO 8601 UTC time' }),
  profiles: z
    .array(z.strictObject({ name: z.string().regex(PROFILE_FILE_NAME, 'must be a file name ending in .yaml'), text: z.string().max(256 * 1024) }))
    .max(MAX_BUNDLE_PROFILES),
  codecs: z
    .array(z.strictObject({ name: z.string().regex(CODEC_FILE_NAME, 'must be a file name ending in .js'), source: z.string() }))
    .max(MAX_BUNDLE_CODECS),
  /** Registry entries exactly as in devices.yaml, every scalar as text. Absent when sealed. */
  devices: z.array(z.unknown()).max(MAX_BUNDLE_DEVICES).optional(),
  /** The same list, encrypted to gateway keys (sealed.ts). */
  sealedDevices: sealedSchema.optional(),
});

export type BundleContent = z.output<typeof contentSchema>;

export interface BundleEnvelope {
  bundle: BundleContent;
  sha256: string;
  signature?: Signature;
}

/** A bundle whose envelope holds: integrity checked, devices decrypted (not yet validated). */
export interface OpenedBundle {
  version: string;
  scope: BundleScope;
  gatewayId: string | undefined;
  createdAt: string;
  sha256: string;
  signed: string | null;
  sealed: boolean;
  profiles: ReadonlyArray<{ name: string; text: string }>;
  codecs: ReadonlyArray<{ name: string; source: string }>;
  devices: readonly unknown[];
  /** Bytes on the wire (compressed). */
  wireBytes: number;
}

export interface DecodeLimits {
  /** Largest compressed bundle accepted (config fleet.maxBundleSize). */
  maxWireBytes: number;
  /** Largest bundle once decompressed. */
  maxExpandedBytes: number;
}

export interface DecodeContext {
  trusted: readonly TrustedKey[];
  privateKey?: GatewayPrivateKey;
  limits: DecodeLimits;
}

export type DecodeResult =
  | { ok: true; bundle: OpenedBundle }
  /** `version`/`sha256` when they could be read, for the reported state. */
  | { ok: false; reasons: string[]; version?: string; sha256?: string };

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** The zod issues as lines, `bundle.<path>: message`. */
function issueLines(issues: readonly z.core.$ZodIssue[], max = 20): string[] {
  const lines = issues.slice(0, max).map((i) => `bundle${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`);
  if (issues.length > max) lines.push(`... and ${issues.length - max} more problems`);
  return lines;
}

/** Builds the envelope: content, its SHA-256, a signature when a signing key is given. */
export function makeEnvelope(content: BundleContent, signKeyPem?: string): BundleEnvelope {
  const sha256 = sha256Of(content);
  return { bundle: content, sha256, ...(signKeyPem ? { signature: signDigest(BUNDLE_SIGNATURE_KIND, sha256, signKeyPem) } : {}) };
}

export function encodeBundle(envelope: BundleEnvelope): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(envelope), 'utf8'), { level: 9 });
}

/**
 * Wire bytes to an opened bundle; never throws. Every reason is a line that names what is wrong and
 * never contains key material.
 */
export function decodeBundle(wire: Buffer, ctx: DecodeContext): DecodeResult {
  if (wire.length > ctx.limits.maxWireBytes) {
    return { ok: false, reasons: [`bundle is ${wire.length} bytes on the wire; this gateway accepts at most ${ctx.limits.maxWireBytes} (fleet.maxBundleSize)`] };
  }
  let text: string;
  try {
    const raw = isGzip(wire) ? gunzipSync(wire, { maxOutputLength: ctx.limits.maxExpandedBytes }) : wire;
    if (raw.length > ctx.limits.maxExpandedBytes) throw new RangeError('too large');
    text = raw.toString('utf8');
  } catch (err) {
    if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return { ok: false, reasons: [`bundle expands to more than ${ctx.limits.maxExpandedBytes} bytes, the most this gateway accepts`] };
    }
    return { ok: false, reasons: [`bundle is not valid gzip: ${(err as Error).message}`] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, reasons: [`bundle is not JSON: ${(err as Error).message}`] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, reasons: ['bundle must be a JSON object {bundle, sha256, signature?}'] };
  const env = parsed as Record<string, unknown>;
  const extra = Object.keys(env).filter((k) => !['bundle', 'sha256', 'signature'].includes(k));
  const reasons = extra.map((k) => `unknown top-level key "${k.slice(0, 40)}" (only bundle, sha256, signature)`);
  const rawContent = env.bundle;
  const maybeVersion = typeof (rawContent as { version?: unknown })?.version === 'string' ? String((rawContent as { version: string }).version).slice(0, 100) : undefined;
  const sha = typeof env.sha256 === 'string' ? env.sha256.slice(0, 64) : undefined;
  const shape = contentSchema.safeParse(rawContent);
  if (!shape.success) return { ok: false, reasons: [...reasons, ...issueLines(shape.error.issues)], version: maybeVersion, sha256: sha };
  const content = shape.data;
  reasons.push(...checkIntegrity(BUNDLE_SIGNATURE_KIND, rawContent, { sha256: env.sha256, signature: env.signature }, ctx.trusted));
  if (content.scope === 'gateway' && content.gatewayId === undefined) reasons.push('bundle.gatewayId: is required when scope is gateway');
  if (content.scope === 'fleet' && content.gatewayId !== undefined) reasons.push('bundle.gatewayId: only a gateway bundle names a gateway');
  if ((content.devices === undefined) === (content.sealedDevices === undefined)) reasons.push('bundle: give exactly one of devices and sealedDevices');
  if (reasons.length > 0) return { ok: false, reasons, version: content.version, sha256: sha };
  let devices: unknown;
  if (content.sealedDevices) {
    try {
      devices = openSealed(content.sealedDevices as Sealed, ctx.privateKey);
    } catch (err) {
      return { ok: false, reasons: [`bundle.sealedDevices: ${(err as Error).message}`], version: content.version, sha256: sha };
    }
    if (!Array.isArray(devices) || devices.length > MAX_BUNDLE_DEVICES) {
      return { ok: false, reasons: [`bundle.sealedDevices: must hold a list of at most ${MAX_BUNDLE_DEVICES} devices`], version: content.version, sha256: sha };
    }
  } else devices = content.devices;
  const sig = env.signature as Signature | undefined;
  return {
    ok: true,
    bundle: {
      version: content.version,
      scope: content.scope,
      gatewayId: content.gatewayId,
      createdAt: content.createdAt,
      sha256: env.sha256 as string,
      signed: ctx.trusted.length > 0 && sig ? sig.keyId : null,
      sealed: content.sealedDevices !== undefined,
      profiles: content.profiles,
      codecs: content.codecs,
      devices: devices as unknown[],
      wireBytes: wire.length,
    },
  };
}
