import { describe, expect, it } from 'vitest';
import { mayLinkByEmail } from './signin.js';
import type { ConnectionPolicy, VerifiedIdentity } from './types.js';

const policy: ConnectionPolicy = {
  id: 'okta',
  jit: true,
  linkExistingByEmail: true,
  emailDomains: ['acme.com', 'Acme.co.uk'],
};
const identity: VerifiedIdentity = {
  connection: 'okta',
  subject: '00u1',
  email: 'alice@acme.com',
  emailVerified: true,
  userName: null,
  displayName: null,
  givenName: null,
  familyName: null,
  groups: [],
  groupsComplete: true,
  claims: {},
  roles: [],
};

/**
 * Linking a sign-in to an account that already exists, by email alone, hands that account to
 * whoever the IdP says owns the address: all three conditions must hold, and each one alone
 * must be able to refuse.
 */
describe('mayLinkByEmail', () => {
  it('links when the connection allows it, the email is verified and its domain is owned', () => {
    expect(mayLinkByEmail(policy, identity)).toBe(true);
    expect(mayLinkByEmail(policy, { ...identity, email: 'Bob@ACME.CO.UK' })).toBe(true);
  });

  it('refuses when the connection does not allow linking by email', () => {
    expect(mayLinkByEmail({ ...policy, linkExistingByEmail: false }, identity)).toBe(false);
  });

  it('refuses an email the IdP did not verify', () => {
    expect(mayLinkByEmail(policy, { ...identity, emailVerified: false })).toBe(false);
  });

  it.each([
    'alice@partner.com',
    'alice@notacme.com',
    'alice@acme.com.evil.io',
    'alice@sub.acme.com',
    'acme.com@evil.io',
  ])('refuses %s: the domain is not one the connection owns', (email) => {
    expect(mayLinkByEmail(policy, { ...identity, email })).toBe(false);
  });

  it('refuses every email when the connection owns no domain', () => {
    expect(mayLinkByEmail({ ...policy, emailDomains: [] }, identity)).toBe(false);
  });

  it('refuses an identity without an email', () => {
    expect(mayLinkByEmail(policy, { ...identity, email: null })).toBe(false);
  });
});
