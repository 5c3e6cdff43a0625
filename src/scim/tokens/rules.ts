import { randomBytes } from 'node:crypto';

/** Recognisable in logs and secret scanners, like `sk-gh-` for API keys. */
export const SCIM_TOKEN_PREFIX = 'scim-gh-';

/** 32 random bytes; only the SHA-256 of the whole string is ever stored. */
export function newScimSecret(): string {
  return SCIM_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function previewScimSecret(secret: string): string {
  return `${SCIM_TOKEN_PREFIX}…${secret.slice(-4)}`;
}

/** `last_used_at` is written at most this often per token, not on every request. */
export const LAST_USED_EVERY_MS = 60_000;

/** Whether a request at `now` should move the token's `last_used_at`. */
export function lastUsedDue(lastUsedAt: string | null, now: Date): boolean {
  if (lastUsedAt === null) return true;
  const last = Date.parse(lastUsedAt);
  // A time in the future (clock moved back) is refreshed too, so it cannot stick.
  return !(now.getTime() - last < LAST_USED_EVERY_MS && now.getTime() >= last);
}

/** The membership and user source of a directory: `scim:<directory id>`. */
export const directorySource = (directoryId: string): string => `scim:${directoryId}`;

/** The audit actor id of a token: `scim:<token id>`. */
export const tokenActorId = (tokenId: string): string => `scim:${tokenId}`;
