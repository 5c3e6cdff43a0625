import { describe, expect, it } from 'vitest';
import { externalIdCandidates } from './pairing.js';
import type { VerifiedIdentity } from './types.js';

const id = (subject: string, claims: Record<string, unknown> = {}): VerifiedIdentity => ({
  connection: 'c',
  subject,
  email: null,
  emailVerified: false,
  userName: null,
  displayName: null,
  givenName: null,
  familyName: null,
  groups: [],
  groupsComplete: true,
  claims,
  roles: [],
});

describe('pairing: which externalIds a sign-in may match', () => {
  it('Okta: the subject (the Okta user id is the SCIM externalId)', () => {
    expect(externalIdCandidates(id('00u1abc'))).toEqual(['00u1abc']);
  });

  it('Entra: the subject and the object id as sent and in lower case', () => {
    expect(externalIdCandidates(id('tid:aaaa-bbbb', { oid: 'AAAA-BBBB', tid: 'tid' }))).toEqual([
      'tid:aaaa-bbbb',
      'AAAA-BBBB',
      'aaaa-bbbb',
    ]);
  });

  it('an oid that is not a non-empty string adds nothing', () => {
    expect(externalIdCandidates(id('s', { oid: 42 }))).toEqual(['s']);
    expect(externalIdCandidates(id('s', { oid: '' }))).toEqual(['s']);
  });
});
