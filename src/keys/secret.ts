import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const KEY_PREFIX = 'sk-gh-';

/** 32 random bytes; only the SHA-256 of the whole string is ever stored. */
export function generateKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * SHA-256 (not a slow KDF) is right for 256-bit random secrets: they cannot be guessed, and the
 * hot path hashes every request.
 */
export function hashSecret(secret: string): string {
  return secretDigest(secret).toString('hex');
}

export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function previewKey(secret: string): string {
  return `${KEY_PREFIX}…${secret.slice(-4)}`;
}

/** Constant-time equality of two secrets of any length (compares their digests). */
export function secretEquals(a: string, b: string): boolean {
  return timingSafeEqual(secretDigest(a), secretDigest(b));
}
