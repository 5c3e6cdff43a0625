import { describe, expect, it } from 'vitest';
import { oidcConnectionSchema } from '../../config/connection-schema.js';
import {
  checkEntraTenant,
  completeEntraGroups,
  entraOverage,
  issuerTenant,
  mapClaims,
  mergeClaims,
} from './claims.js';
import { isSsoError, type SsoReason } from './errors.js';
import { inferProvider, oidcSettings } from './settings.js';

const TID = '9122040d-6c67-4c5b-b112-36a304b66dad';
const OID = '00000000-0000-0000-66F3-3332ECA7EA81';
const ISS = `https://login.microsoftonline.com/${TID}/v2.0`;
const names = { email: 'email', name: 'name', groups: 'groups', roles: 'roles' };
const okta = { provider: 'okta' as const, claims: names, allowedTenants: null };
const entra = { provider: 'entra' as const, claims: names, allowedTenants: null };

function reason(fn: () => unknown): SsoReason | 'none' {
  try {
    fn();
  } catch (e) {
    if (isSsoError(e)) return e.reason;
    throw e;
  }
  return 'none';
}

describe('Okta claims', () => {
  it('subject is sub; groups are names; email verified only when the IdP says so', () => {
    const m = mapClaims(
      okta,
      {
        sub: '00u1',
        email: 'A@acme.com',
        email_verified: true,
        groups: ['Everyone', ' IT '],
        name: 'A',
        preferred_username: 'a@acme.com',
      },
      null,
    );
    expect(m.entra).toBeNull();
    expect(m.identity).toMatchObject({
      subject: '00u1',
      email: 'A@acme.com',
      emailVerified: true,
      userName: 'a@acme.com',
      displayName: 'A',
      groups: [
        { id: null, name: 'Everyone' },
        { id: null, name: 'IT' },
      ],
      groupsComplete: true,
    });
    expect(mapClaims(okta, { sub: 'x', email: 'a@acme.com' }, null).identity.emailVerified).toBe(
      false,
    );
  });

  it('configured claim names, single values, junk values', () => {
    const m = mapClaims(
      {
        ...okta,
        claims: { email: 'mail', name: 'display', groups: 'okta_groups', roles: 'litellm_roles' },
      },
      {
        sub: 'x',
        mail: 'not-an-email',
        display: 42,
        okta_groups: 'Solo',
        litellm_roles: ['owner', 7, ''],
      },
      null,
    );
    expect(m.identity.email).toBeNull();
    expect(m.identity.displayName).toBeNull();
    expect(m.identity.groups).toEqual([{ id: null, name: 'Solo' }]);
    expect(m.identity.roles).toEqual(['owner']);
  });

  it('userinfo fills what the id_token lacks; the id_token wins where both speak', () => {
    const m = mapClaims(
      okta,
      { sub: 'x', name: 'From token' },
      { sub: 'x', name: 'From userinfo', groups: ['G'] },
    );
    expect(m.identity.displayName).toBe('From token');
    expect(m.identity.groups).toEqual([{ id: null, name: 'G' }]);
  });

  it('no sub, no identity', () => {
    expect(reason(() => mapClaims(okta, { email: 'a@b.c' }, null))).toBe('claims_missing');
  });
});

describe('Entra claims', () => {
  const token = {
    sub: 'pairwise',
    iss: ISS,
    tid: TID,
    oid: OID,
    preferred_username: 'abe@contoso.com',
    roles: ['proxy_admin'],
  };

  it('subject is {tid}:{oid} (lower case); email only from email, never verified without xms_edov', () => {
    const m = mapClaims(entra, { ...token, groups: ['g1'], email: 'abe@contoso.com' }, null);
    expect(m.identity.subject).toBe(`${TID}:${OID.toLowerCase()}`);
    expect(m.identity.email).toBe('abe@contoso.com');
    expect(m.identity.emailVerified).toBe(false);
    expect(m.identity.userName).toBe('abe@contoso.com');
    expect(m.identity.roles).toEqual(['proxy_admin']);
    expect(m.identity.groups).toEqual([{ id: 'g1', name: null }]);
    expect(m.entra).toEqual({ tenantId: TID, objectId: OID.toLowerCase(), tokenGroupIds: ['g1'] });
    expect(
      mapClaims(entra, { ...token, email: 'abe@contoso.com', xms_edov: true }, null).identity
        .emailVerified,
    ).toBe(true);
    expect(mapClaims(entra, token, null).identity.email).toBeNull();
    expect(mapClaims(entra, { ...token, upn: 'upn@contoso.com' }, null).identity.userName).toBe(
      'upn@contoso.com',
    );
  });

  it('overage (_claim_names or hasgroups): no groups from the token, the endpoint is dropped', () => {
    const over = {
      ...token,
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: 'https://graph.windows.net/evil' } },
    };
    expect(entraOverage(over)).toBe(true);
    expect(entraOverage({ ...token, hasgroups: true })).toBe(true);
    expect(entraOverage(token)).toBe(false);
    const m = mapClaims(entra, over, null);
    expect(m.entra?.tokenGroupIds).toBeNull();
    expect(m.identity.groupsComplete).toBe(false);
    expect(JSON.stringify(m.identity)).not.toContain('graph.windows.net');
    expect(Object.keys(mergeClaims(over, null))).not.toContain('_claim_sources');
  });

  it('userinfo cannot move a person into another tenant or object', () => {
    const m = mapClaims(entra, token, {
      sub: 'pairwise',
      tid: 'ffffffff-0000-0000-0000-000000000000',
      oid: 'other',
    });
    expect(m.identity.subject).toBe(`${TID}:${OID.toLowerCase()}`);
  });

  it.each<[string, Record<string, unknown>, SsoReason]>([
    ['no tid', { ...token, tid: undefined }, 'claims_missing'],
    ['a tid that is not a GUID', { ...token, tid: 'common' }, 'claims_missing'],
    ['no oid', { ...token, oid: undefined }, 'claims_missing'],
    [
      'a tid that is not the issuer tenant',
      { ...token, tid: 'ffffffff-6c67-4c5b-b112-36a304b66dad' },
      'tenant_mismatch',
    ],
  ])('refuses %s', (_n, claims, expected) => {
    expect(reason(() => mapClaims(entra, claims, null))).toBe(expected);
  });

  it('allowed_tenants: compared case-insensitively; anything else refused', () => {
    expect(checkEntraTenant({ allowedTenants: [TID.toUpperCase()] }, token)).toBe(TID);
    expect(
      reason(() =>
        checkEntraTenant({ allowedTenants: ['ffffffff-6c67-4c5b-b112-36a304b66dad'] }, token),
      ),
    ).toBe('tenant_not_allowed');
  });

  it('reads the tenant from both Entra issuer forms', () => {
    expect(issuerTenant(ISS)).toBe(TID);
    expect(issuerTenant(`https://sts.windows.net/${TID}/`)).toBe(TID);
  });

  it('Graph groups replace token ids; a Graph failure grants nothing', async () => {
    const m = mapClaims(entra, { ...token, _claim_names: { groups: 'src1' } }, null);
    const ok = await completeEntraGroups(m, async () => ({
      groups: [{ id: 'g1', name: 'Admins' }],
      complete: true,
      assigned: new Set(['g1']),
    }));
    expect(ok.identity.groups).toEqual([{ id: 'g1', name: 'Admins' }]);
    expect(ok.identity.groupsComplete).toBe(true);
    expect(ok.identity.assignedGroups).toEqual(new Set(['g1']));
    const failed = await completeEntraGroups(m, async () => {
      throw new Error('boom');
    });
    expect(failed.identity.groups).toEqual([]);
    expect(failed.identity.groupsComplete).toBe(false);
    expect(failed.problems).toEqual(['Graph group lookup failed: boom']);
  });
});

describe('connection settings', () => {
  it('infers the provider from the issuer host', () => {
    expect(inferProvider(ISS)).toBe('entra');
    expect(inferProvider('https://acme.okta.com/oauth2/default')).toBe('okta');
    expect(inferProvider('https://acme.oktapreview.com')).toBe('okta');
    expect(inferProvider('https://okta.com.evil.example')).toBe('generic');
    expect(inferProvider('https://kc.acme.com/realms/acme')).toBe('generic');
  });

  it('resolves the pinned alg (new key, old key, default), adds openid, spots multi-tenant issuers', () => {
    const base = {
      id: 'c',
      type: 'oidc',
      issuer: 'https://login.microsoftonline.com/common/v2.0/',
      client_id: 'x',
      allowed_tenants: [TID],
      scopes: ['profile'],
    };
    const s = oidcSettings(oidcConnectionSchema.parse(base));
    expect(s).toMatchObject({
      alg: 'RS256',
      provider: 'entra',
      multiTenant: true,
      issuer: 'https://login.microsoftonline.com/common/v2.0',
      scopes: ['openid', 'profile'],
    });
    expect(
      oidcSettings(oidcConnectionSchema.parse({ ...base, id_token_signed_response_alg: 'PS256' }))
        .alg,
    ).toBe('PS256');
    expect(oidcSettings(oidcConnectionSchema.parse({ ...base, id_token_alg: 'ES256' })).alg).toBe(
      'ES256',
    );
  });
});
