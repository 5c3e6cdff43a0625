import { describe, expect, it } from 'vitest';
import { hashSecret } from '../../keys/secret.js';
import { lastUsedDue, newScimSecret, previewScimSecret, SCIM_TOKEN_PREFIX } from './rules.js';

describe('SCIM token rules', () => {
  it('secrets are 256-bit random, prefixed, and previewed by their last 4 characters only', () => {
    const a = newScimSecret();
    const b = newScimSecret();
    expect(a).not.toBe(b);
    expect(a.startsWith(SCIM_TOKEN_PREFIX)).toBe(true);
    expect(Buffer.from(a.slice(SCIM_TOKEN_PREFIX.length), 'base64url')).toHaveLength(32);
    expect(previewScimSecret(a)).toBe(`${SCIM_TOKEN_PREFIX}…${a.slice(-4)}`);
    expect(hashSecret(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('last_used_at moves at most once a minute, and at once when it lies in the future', () => {
    const at = new Date('2024-05-01T12:00:00.000Z');
    expect(lastUsedDue(null, at)).toBe(true);
    expect(lastUsedDue('2024-05-01T11:59:30.000Z', at)).toBe(false);
    expect(lastUsedDue('2024-05-01T11:59:00.001Z', at)).toBe(false);
    expect(lastUsedDue('2024-05-01T11:59:00.000Z', at)).toBe(true);
    expect(lastUsedDue('2024-05-01T12:05:00.000Z', at)).toBe(true);
  });
});
