import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Encryption of secrets Gatehouse stores (connection client secrets, private keys, Graph
 * secrets) with AES-256-GCM under a key derived by HKDF-SHA-256 from `GATEHOUSE_SECRET`.
 *
 * Ciphertext format, all ASCII: `gh1.<key id>.<base64url(iv ‖ ciphertext ‖ tag)>`.
 * - `gh1` versions the format (algorithm, KDF, layout), so a later format can be told apart.
 * - The key id (8 hex digits of a hash of the derived key, not of the secret) tells "encrypted
 *   under another GATEHOUSE_SECRET" apart from "tampered with", without revealing the key.
 * - The caller's `context` (e.g. `sso.connection:okta:client_secret`) is bound as associated
 *   data, so a ciphertext copied into another field or row does not decrypt.
 */

const VERSION = 'gh1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const MIN_SECRET_LENGTH = 16;

export type SecretBoxErrorCode = 'weak_secret' | 'bad_format' | 'wrong_key' | 'tampered';

export class SecretBoxError extends Error {
  readonly code: SecretBoxErrorCode;
  constructor(code: SecretBoxErrorCode, message: string) {
    super(message);
    this.name = 'SecretBoxError';
    this.code = code;
  }
}

export interface SecretBox {
  /** The id of the key in use, as written into every ciphertext. */
  readonly keyId: string;
  seal(plaintext: string, context: string): string;
  open(ciphertext: string, context: string): string;
  /** Whether a value looks like this format (so plain values can be told from sealed ones). */
  isSealed(value: string): boolean;
}

/** 32-byte key for a purpose, from any high-entropy input key material. */
export function deriveKey(ikm: string | Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, 'gatehouse', purpose, 32));
}

export function sealWithKey(key: Buffer, plaintext: string, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, ct, cipher.getAuthTag()]);
}

/** Throws SecretBoxError('tampered') when the data or its context was changed. */
export function openWithKey(key: Buffer, sealed: Buffer, aad: string): string {
  if (sealed.length < IV_BYTES + TAG_BYTES) {
    throw new SecretBoxError('bad_format', 'The encrypted value is truncated.');
  }
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const ct = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretBoxError(
      'tampered',
      'The encrypted value does not decrypt: it was altered or belongs to another field.',
    );
  }
}

export function secretBox(secret: string): SecretBox {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new SecretBoxError(
      'weak_secret',
      `GATEHOUSE_SECRET must be at least ${MIN_SECRET_LENGTH} characters (32 random bytes recommended).`,
    );
  }
  const key = deriveKey(secret, 'gatehouse secret-box v1');
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  const pattern = /^gh1\.([0-9a-f]{8})\.([A-Za-z0-9_-]+)$/;
  return {
    keyId,
    seal(plaintext, context) {
      const sealed = sealWithKey(key, plaintext, `${VERSION}|${context}`);
      return `${VERSION}.${keyId}.${sealed.toString('base64url')}`;
    },
    open(ciphertext, context) {
      const m = pattern.exec(ciphertext);
      if (!m || m[1] === undefined || m[2] === undefined) {
        throw new SecretBoxError('bad_format', 'The value is not an encrypted Gatehouse secret.');
      }
      if (m[1] !== keyId) {
        throw new SecretBoxError(
          'wrong_key',
          'The value was encrypted under another GATEHOUSE_SECRET; set the secret it was stored with.',
        );
      }
      return openWithKey(key, Buffer.from(m[2], 'base64url'), `${VERSION}|${context}`);
    },
    isSealed(value) {
      return pattern.test(value);
    },
  };
}

export const SECRET_FILE = 'gatehouse.secret';

export interface LoadedSecret {
  secret: string;
  path: string;
  /** True when this call generated the file (the caller logs that it did). */
  created: boolean;
  /** True when the file was readable by others and its mode was tightened to 0600. */
  tightened: boolean;
}

/**
 * For a single instance without `GATEHOUSE_SECRET`: the secret generated on first start and kept
 * in the data directory, readable by the owner only. Creation is exclusive (`wx`), so two
 * processes starting at once end up with the same secret.
 */
export function loadOrCreateSecretFile(dataDir: string): LoadedSecret {
  const path = join(dataDir, SECRET_FILE);
  mkdirSync(dataDir, { recursive: true });
  const generated = randomBytes(32).toString('base64url');
  let created = false;
  try {
    writeFileSync(path, `${generated}\n`, { flag: 'wx', mode: 0o600 });
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let tightened = false;
  if (!created && (statSync(path).mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    tightened = true;
  }
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new SecretBoxError(
      'weak_secret',
      `${path} holds a secret shorter than ${MIN_SECRET_LENGTH} characters; remove it to generate a new one (stored secrets then need re-entering).`,
    );
  }
  return { secret, path, created, tightened };
}
