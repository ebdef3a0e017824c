// Integrity of what the hub publishes: a SHA-256 over the canonical form of the content, and an
// optional Ed25519 signature of that digest by a hub key the gateway trusts (config
// fleet.trustedKeys). Keys travel as base64 of their 32 raw bytes; node:crypto only.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface Signature {
  /** Short id of the signing key (keyId()), so a gateway with several trusted keys knows which. */
  keyId: string;
  /** base64 Ed25519 signature of signedText(sha256). */
  ed25519: string;
}

/** What the Ed25519 signature covers: the kind of message and its digest. */
export function signedText(kind: string, sha256: string): Buffer {
  return Buffer.from(`lora-edge/${kind}/sha256:${sha256}`, 'utf8');
}

export function sha256Of(content: unknown): string {
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/** First 16 hex digits of the SHA-256 of the raw public key. */
export function keyId(rawPublicKey: Buffer): string {
  return createHash('sha256').update(rawPublicKey).digest('hex').slice(0, 16);
}

/** A base64 raw Ed25519 public key as a KeyObject; throws a clear error for anything else. */
export function ed25519PublicKey(base64: string): { key: KeyObject; raw: Buffer } {
  const raw = Buffer.from(base64.trim(), 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== base64.trim()) {
    throw new Error('an Ed25519 public key must be 32 bytes in base64 (as `lora-edge fleet keygen --sign` prints it)');
  }
  return { key: createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' }), raw };
}

/** Reads a PEM Ed25519 private key (written by `fleet keygen --sign`). */
export function ed25519PrivateKey(pem: string): { key: KeyObject; publicRaw: Buffer } {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the signing key must be an Ed25519 key (this one is ${key.asymmetricKeyType ?? 'unknown'})`);
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return { key, publicRaw: spki.subarray(spki.length - 32) };
}

export function newEd25519KeyPair(): { privatePem: string; publicBase64: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicBase64: raw.toString('base64'), keyId: keyId(raw) };
}

export function signDigest(kind: string, sha256: string, privatePem: string): Signature {
  const { key, publicRaw } = ed25519PrivateKey(privatePem);
  return { keyId: keyId(publicRaw), ed25519: sign(null, signedText(kind, sha256), key).toString('base64') };
}

export interface TrustedKey {
  keyId: string;
  key: KeyObject;
}

export function trustedKeys(base64Keys: readonly string[]): TrustedKey[] {
  return base64Keys.map((b) => {
    const { key, raw } = ed25519PublicKey(b);
    return { keyId: keyId(raw), key };
  });
}

/**
 * Checks the digest and, when keys are trusted, the signature. Returns the reasons it fails (empty:
 * good). Without trusted keys a signature is not required, but one that is present is still checked
 * against nothing and ignored: integrity then rests on the hash and the broker's ACLs.
 */
export function checkIntegrity(
  kind: string,
  content: unknown,
  claimed: { sha256: unknown; signature?: unknown },
  trusted: readonly TrustedKey[],
): string[] {
  const reasons: string[] = [];
  let digest: string;
  try {
    digest = sha256Of(content);
  } catch (err) {
    return [`content cannot be hashed: ${(err as Error).message}`];
  }
  if (typeof claimed.sha256 !== 'string' || claimed.sha256 !== digest) {
    reasons.push('sha256 does not match the content (damaged or altered on the way)');
  }
  if (trusted.length === 0) return reasons;
  const sig = claimed.signature as Partial<Signature> | undefined;
  if (sig === undefined || sig === null) {
    reasons.push('not signed, and fleet.trustedKeys requires a signature by a trusted hub key');
    return reasons;
  }
  if (typeof sig !== 'object' || typeof sig.keyId !== 'string' || typeof sig.ed25519 !== 'string') {
    reasons.push('signature must be {keyId, ed25519}');
    return reasons;
  }
  const key = trusted.find((k) => k.keyId === sig.keyId);
  if (key === undefined) {
    reasons.push(`signed by key ${sig.keyId}, which is not in fleet.trustedKeys`);
    return reasons;
  }
  let ok = false;
  try {
    ok = verify(null, signedText(kind, digest), key.key, Buffer.from(sig.ed25519, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) reasons.push(`signature by key ${sig.keyId} does not verify`);
  return reasons;
}
