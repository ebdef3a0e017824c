// Key material encrypted to gateways, so that whoever runs the broker cannot read device keys: the
// secret JSON is encrypted once with a random content key (AES-256-GCM), and that key is wrapped
// for each recipient gateway with X25519 (an ephemeral key per recipient) + HKDF-SHA256 +
// AES-256-GCM. A gateway's private key lives in a file made by `lora-edge fleet keygen`.
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { keyId } from './signing.js';

export const SEAL_ALGORITHM = 'X25519-HKDF-SHA256-A256GCM';
/** DER prefix of an X25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const HKDF_INFO = Buffer.from('lora-edge fleet key wrap v1', 'utf8');

export interface SealedRecipient {
  keyId: string;
  /** base64 raw X25519 ephemeral public key. */
  epk: string;
  iv: string;
  tag: string;
  /** The content key, encrypted for this recipient. */
  key: string;
}

export interface Sealed {
  alg: typeof SEAL_ALGORITHM;
  recipients: SealedRecipient[];
  iv: string;
  tag: string;
  data: string;
}

export function x25519PublicKey(base64: string): { key: KeyObject; raw: Buffer } {
  const raw = Buffer.from(base64.trim(), 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== base64.trim()) {
    throw new Error('a gateway encryption key must be 32 bytes in base64 (as `lora-edge fleet keygen` prints it)');
  }
  return { key: createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' }), raw };
}

export interface GatewayPrivateKey {
  key: KeyObject;
  keyId: string;
}

/** Reads the PEM X25519 private key `fleet keygen` wrote. */
export function x25519PrivateKey(pem: string): GatewayPrivateKey {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'x25519') throw new Error(`the gateway key must be an X25519 key (this one is ${key.asymmetricKeyType ?? 'unknown'})`);
  const raw = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
  return { key, keyId: keyId(raw) };
}

export function newX25519KeyPair(): { privatePem: string; publicBase64: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicBase64: raw.toString('base64'), keyId: keyId(raw) };
}

function wrapKey(shared: Buffer, epkRaw: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, epkRaw, HKDF_INFO, 32));
}

function gcmEncrypt(key: Buffer, clear: Buffer): { iv: Buffer; tag: Buffer; data: Buffer } {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([c.update(clear), c.final()]);
  return { iv, tag: c.getAuthTag(), data };
}

function gcmDecrypt(key: Buffer, iv: string, tag: string, data: string): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  d.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(data, 'base64')), d.final()]);
}

/** Encrypts a JSON value to every recipient (base64 raw X25519 public keys). */
export function seal(value: unknown, recipients: readonly string[]): Sealed {
  if (recipients.length === 0) throw new Error('sealing needs at least one recipient key');
  const contentKey = randomBytes(32);
  const body = gcmEncrypt(contentKey, Buffer.from(JSON.stringify(value), 'utf8'));
  const wrapped = recipients.map((b64): SealedRecipient => {
    const { key, raw } = x25519PublicKey(b64);
    const eph = generateKeyPairSync('x25519');
    const epkRaw = eph.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const kek = wrapKey(diffieHellman({ privateKey: eph.privateKey, publicKey: key }), epkRaw);
    const w = gcmEncrypt(kek, contentKey);
    return { keyId: keyId(raw), epk: epkRaw.toString('base64'), iv: w.iv.toString('base64'), tag: w.tag.toString('base64'), key: w.data.toString('base64') };
  });
  return { alg: SEAL_ALGORITHM, recipients: wrapped, iv: body.iv.toString('base64'), tag: body.tag.toString('base64'), data: body.data.toString('base64') };
}

/**
 * Decrypts for this gateway; throws an Error whose message says why (never the content): no key
 * configured, not a recipient, or the data was altered.
 */
export function openSealed(sealed: Sealed, own: GatewayPrivateKey | undefined): unknown {
  if (own === undefined) throw new Error('key material is encrypted to gateway keys, and this gateway has no fleet.privateKeyFile');
  const r = sealed.recipients.find((x) => x.keyId === own.keyId);
  if (r === undefined) throw new Error(`key material is encrypted to ${sealed.recipients.map((x) => x.keyId).join(', ')}, not to this gateway's key ${own.keyId}`);
  let clear: Buffer;
  try {
    const epkRaw = Buffer.from(r.epk, 'base64');
    const epk = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, epkRaw]), format: 'der', type: 'spki' });
    const kek = wrapKey(diffieHellman({ privateKey: own.key, publicKey: epk }), epkRaw);
    const contentKey = gcmDecrypt(kek, r.iv, r.tag, r.key);
    clear = gcmDecrypt(contentKey, sealed.iv, sealed.tag, sealed.data);
  } catch {
    throw new Error('encrypted key material does not decrypt with this gateway key (altered, or sealed for another key)');
  }
  try {
    return JSON.parse(clear.toString('utf8'));
  } catch {
    throw new Error('encrypted key material is not JSON');
  }
}
