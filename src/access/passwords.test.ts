import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  needsRehash,
  SCRYPT_PARAMS,
  storedParams,
  unmatchableHash,
  verifyPassword,
} from './passwords.js';

/** The parameters Gatehouse used before raising them to OWASP's minimum. */
const PREVIOUS = { N: 2 ** 15, r: 8, p: 1 };
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

describe('password hashing', () => {
  it('hashes at OWASP’s minimum for scrypt (N=2^17, r=8, p=1) and says so in the stored string', async () => {
    expect(SCRYPT_PARAMS).toEqual({ N: 131072, r: 8, p: 1 });
    const stored = await hashPassword('correct horse battery staple');
    expect(stored.startsWith('scrypt$131072$8$1$')).toBe(true);
    expect(storedParams(stored)).toEqual(SCRYPT_PARAMS);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
  });

  it('still verifies hashes made with the previous parameters', async () => {
    const stored = await hashPassword('an older password', PREVIOUS);
    expect(stored.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword('an older password', stored)).toBe(true);
    expect(await verifyPassword('an older passwore', stored)).toBe(false);
  });

  it('salts every hash', async () => {
    const a = await hashPassword('same password here', CHEAP);
    const b = await hashPassword('same password here', CHEAP);
    expect(a).not.toBe(b);
  });

  it('asks for a rehash when any parameter is below the current ones, never to weaken one', () => {
    const at = (N: number, r: number, p: number) => `scrypt$${N}$${r}$${p}$c2FsdA$a2V5`;
    expect(needsRehash(at(2 ** 15, 8, 1))).toBe(true);
    expect(needsRehash(at(2 ** 17, 4, 1))).toBe(true);
    expect(needsRehash(at(2 ** 17, 8, 1))).toBe(false);
    expect(needsRehash(at(2 ** 18, 8, 2))).toBe(false);
    expect(needsRehash(at(2 ** 17, 8, 1), CHEAP)).toBe(false);
    expect(needsRehash('bcrypt$whatever')).toBe(true);
  });

  it('a corrupt stored hash is a failed check, not a crash (N not a power of two, absurd memory, bad format)', async () => {
    const salt = 'c2FsdHNhbHRzYWx0';
    const key = 'a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5';
    for (const stored of [
      `scrypt$1000$8$1$${salt}$${key}`,
      // 128 · 2^30 · 8 bytes: refused before anything is allocated.
      `scrypt$${2 ** 30}$8$1$${salt}$${key}`,
      `scrypt$1024$0$1$${salt}$${key}`,
      `scrypt$1024$8$1$$${key}`,
      'scrypt$1024$8$1',
      '',
    ]) {
      expect(await verifyPassword('anything at all', stored)).toBe(false);
      expect(storedParams(stored)).toBeNull();
    }
    await expect(hashPassword('x', { N: 1000, r: 8, p: 1 })).rejects.toThrow(/unusable/);
  });

  it('an unmatchable hash costs a real check at the given parameters and matches nothing', async () => {
    const stored = unmatchableHash(CHEAP);
    expect(storedParams(stored)).toEqual(CHEAP);
    expect(await verifyPassword('', stored)).toBe(false);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(false);
  });
});
