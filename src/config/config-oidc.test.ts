import { describe, expect, it } from 'vitest';
import { oidcConnectionSchema } from './connection-schema.js';

const base = { id: 'okta', type: 'oidc', issuer: 'https://acme.okta.com', client_id: 'c' };

function issues(input: Record<string, unknown>): { path: string; message: string }[] {
  const r = oidcConnectionSchema.safeParse({ ...base, ...input });
  return r.success
    ? []
    : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('OIDC connection settings', () => {
  it('fills the defaults', () => {
    const c = oidcConnectionSchema.parse(base);
    expect(c).toMatchObject({
      enabled: true,
      jit: true,
      link_existing_by_email: false,
      token_auth: 'client_secret_basic',
      clock_tolerance: 120,
      scopes: ['openid', 'profile', 'email'],
    });
    expect(c.id_token_alg).toBeUndefined();
    expect(c.provider).toBeUndefined();
  });

  it('takes the new keys', () => {
    const c = oidcConnectionSchema.parse({
      ...base,
      display_name: 'Okta',
      enabled: false,
      provider: 'okta',
      token_auth: 'private_key_jwt',
      private_key: '-----BEGIN PRIVATE KEY-----…',
      private_key_id: 'k1',
      id_token_alg: 'ES256',
      clock_tolerance: 30,
    });
    expect(c).toMatchObject({
      enabled: false,
      token_auth: 'private_key_jwt',
      id_token_alg: 'ES256',
    });
  });

  it('keeps the older id_token_signed_response_alg working, and refuses two different pins', () => {
    expect(issues({ id_token_signed_response_alg: 'PS256' })).toEqual([]);
    expect(issues({ id_token_alg: 'RS256', id_token_signed_response_alg: 'RS256' })).toEqual([]);
    expect(issues({ id_token_alg: 'RS256', id_token_signed_response_alg: 'ES256' })).toEqual([
      { path: 'id_token_alg', message: 'differs from id_token_signed_response_alg; set only one' },
    ]);
  });

  it.each(['none', 'HS256', 'rs256'])('refuses the signing algorithm %s', (alg) => {
    expect(issues({ id_token_alg: alg })[0]?.path).toBe('id_token_alg');
  });

  it('refuses a token_auth it does not know and a clock tolerance out of range', () => {
    expect(issues({ token_auth: 'client_secret_jwt' })[0]?.path).toBe('token_auth');
    expect(issues({ clock_tolerance: 3600 })[0]?.path).toBe('clock_tolerance');
    expect(issues({ clock_tolerance: -1 })[0]?.path).toBe('clock_tolerance');
  });

  it('needs allowed_tenants for a multi-tenant Entra issuer', () => {
    for (const t of ['common', 'organizations']) {
      const issuer = `https://login.microsoftonline.com/${t}/v2.0`;
      expect(issues({ issuer })).toEqual([
        {
          path: 'allowed_tenants',
          message:
            'a multi-tenant issuer (common, organizations) accepts any tenant: list the allowed tenant ids',
        },
      ]);
      expect(issues({ issuer, allowed_tenants: [] })[0]?.path).toBe('allowed_tenants');
      expect(issues({ issuer, allowed_tenants: ['9122040d-6c67-4c5b-b112-36a304b66dad'] })).toEqual(
        [],
      );
    }
  });
});
