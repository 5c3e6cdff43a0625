import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  deriveKey,
  loadOrCreateSecretFile,
  openWithKey,
  SECRET_FILE,
  SecretBoxError,
  sealWithKey,
  secretBox,
} from './secret-box.js';

const SECRET = 'correct horse battery staple, 32+';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof SecretBoxError ? e.code : `other: ${(e as Error).message}`;
  }
  return undefined;
}

describe('secret box', () => {
  it('round-trips and never writes the plaintext', () => {
    const box = secretBox(SECRET);
    const sealed = box.seal('okta-client-secret', 'sso.connection:okta:client_secret');
    expect(sealed).toMatch(/^gh1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('okta-client-secret');
    expect(box.isSealed(sealed)).toBe(true);
    expect(box.isSealed('okta-client-secret')).toBe(false);
    expect(box.open(sealed, 'sso.connection:okta:client_secret')).toBe('okta-client-secret');
  });

  it('uses a fresh IV each time', () => {
    const box = secretBox(SECRET);
    expect(box.seal('x', 'c')).not.toBe(box.seal('x', 'c'));
  });

  it('ciphertext swap: a value sealed for one field does not open in another', () => {
    const box = secretBox(SECRET);
    const sealed = box.seal('s3cret', 'sso.connection:okta:client_secret');
    expect(codeOf(() => box.open(sealed, 'sso.connection:entra:client_secret'))).toBe('tampered');
  });

  it('tampering: a flipped byte is detected', () => {
    const box = secretBox(SECRET);
    const sealed = box.seal('s3cret', 'c');
    const [v, id, data] = sealed.split('.') as [string, string, string];
    const bytes = Buffer.from(data, 'base64url');
    bytes[14] = (bytes[14] ?? 0) ^ 1;
    expect(codeOf(() => box.open(`${v}.${id}.${bytes.toString('base64url')}`, 'c'))).toBe(
      'tampered',
    );
  });

  it('says when a value was sealed under another GATEHOUSE_SECRET', () => {
    const sealed = secretBox(SECRET).seal('s3cret', 'c');
    const other = secretBox('another secret of enough length');
    expect(other.keyId).not.toBe(secretBox(SECRET).keyId);
    expect(codeOf(() => other.open(sealed, 'c'))).toBe('wrong_key');
  });

  it('refuses garbage and a weak secret', () => {
    const box = secretBox(SECRET);
    expect(codeOf(() => box.open('plain', 'c'))).toBe('bad_format');
    expect(codeOf(() => box.open('gh1.00000000.', 'c'))).toBe('bad_format');
    expect(codeOf(() => secretBox('short'))).toBe('weak_secret');
  });

  it('low-level seal/open with a derived key binds the associated data', () => {
    const key = deriveKey('handle-value', 'purpose');
    const sealed = sealWithKey(key, 'payload', 'aad-1');
    expect(openWithKey(key, sealed, 'aad-1')).toBe('payload');
    expect(codeOf(() => openWithKey(key, sealed, 'aad-2'))).toBe('tampered');
    expect(codeOf(() => openWithKey(deriveKey('other', 'purpose'), sealed, 'aad-1'))).toBe(
      'tampered',
    );
  });
});

describe('secret file in the data directory', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'gh-secret-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is generated on first start with mode 0600 and reused afterwards', () => {
    const d = join(dir(), 'data');
    const first = loadOrCreateSecretFile(d);
    expect(first.created).toBe(true);
    expect(first.secret.length).toBeGreaterThanOrEqual(40);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    const second = loadOrCreateSecretFile(d);
    expect(second.created).toBe(false);
    expect(second.secret).toBe(first.secret);
    expect(() => secretBox(second.secret)).not.toThrow();
  });

  it('tightens a file others can read', () => {
    const d = dir();
    writeFileSync(join(d, SECRET_FILE), 'a-secret-that-is-long-enough\n', { mode: 0o644 });
    const loaded = loadOrCreateSecretFile(d);
    expect(loaded.tightened).toBe(true);
    expect(loaded.secret).toBe('a-secret-that-is-long-enough');
    expect(statSync(loaded.path).mode & 0o777).toBe(0o600);
  });

  it('refuses a file holding a weak secret', () => {
    const d = dir();
    writeFileSync(join(d, SECRET_FILE), 'abc\n', { mode: 0o600 });
    expect(codeOf(() => loadOrCreateSecretFile(d))).toBe('weak_secret');
  });
});
