import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt (RFC 7914) cost parameters; they travel in the stored string. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP's minimum for scrypt: N=2^17, r=8, p=1 — 128 MiB and a few hundred milliseconds per
 * check here. Hashes made with lower parameters still verify and are redone at the next
 * successful login.
 */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

const KEYLEN = 32;
/**
 * A stored string asking for more memory than this is refused rather than run: the parameters
 * come from the database, and one absurd row must not be able to take the process down.
 */
const MAX_MEMORY = 1024 * 1024 * 1024;

/** What scrypt allocates (128·N·r for V, 128·r·p for B), plus room for Node's own bookkeeping. */
const memoryFor = ({ N, r, p }: ScryptParams): number => 128 * N * r + 128 * r * p + 1024 * 1024;

function usable(params: ScryptParams): boolean {
  const { N, r, p } = params;
  return (
    Number.isSafeInteger(N) &&
    N > 1 &&
    (N & (N - 1)) === 0 &&
    Number.isSafeInteger(r) &&
    r > 0 &&
    Number.isSafeInteger(p) &&
    p > 0 &&
    memoryFor(params) <= MAX_MEMORY
  );
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const { N, r, p } = params;
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEYLEN,
      { N, r, p, maxmem: memoryFor(params) },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

interface Parsed {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

/** `scrypt$N$r$p$salt$key`; null for anything else, including parameters this code will not run. */
function parseStored(stored: string): Parsed | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const params = { N: Number(parts[1]), r: Number(parts[2]), p: Number(parts[3]) };
  if (!usable(params)) return null;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const key = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length === 0 || key.length === 0) return null;
  return { params, salt, key };
}

/** The parameters a stored hash was made with, or null when it is not a usable scrypt hash. */
export function storedParams(stored: string): ScryptParams | null {
  return parseStored(stored)?.params ?? null;
}

/**
 * Whether a stored hash should be redone with `current`: when any of its parameters is lower
 * (a hash stronger in one respect is never weakened), or it is not one this code can verify.
 */
export function needsRehash(stored: string, current: ScryptParams = SCRYPT_PARAMS): boolean {
  const params = storedParams(stored);
  if (!params) return true;
  return params.N < current.N || params.r < current.r || params.p < current.p;
}

/** `params` is for tests that are not about the cost; production code uses the default. */
export async function hashPassword(
  password: string,
  params: ScryptParams = SCRYPT_PARAMS,
): Promise<string> {
  if (!usable(params)) throw new Error('unusable scrypt parameters');
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * A stored-hash string no password matches (its key is random), costing one verification at
 * `params`: checked when the account does not exist, so unknown names take as long as known ones.
 */
export function unmatchableHash(params: ScryptParams = SCRYPT_PARAMS): string {
  return `scrypt$${params.N}$${params.r}$${params.p}$${randomBytes(16).toString('base64url')}$${randomBytes(KEYLEN).toString('base64url')}`;
}

/** The cost of a hash in words for the audit log (nothing secret). */
export function describeParams({ N, r, p }: ScryptParams): string {
  return `scrypt N=${N} r=${r} p=${p}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed.params);
  return actual.length === parsed.key.length && timingSafeEqual(actual, parsed.key);
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
