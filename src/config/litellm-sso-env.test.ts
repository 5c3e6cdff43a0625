import { describe, expect, it } from 'vitest';
import { connectionsFromLiteLlmEnv, issuerFromAuthorizationEndpoint } from './litellm-sso-env.js';

const TID = '9122040d-6c67-4c5b-b112-36a304b66dad';

describe('LiteLLM SSO environment → connections', () => {
  it('Microsoft: a single-tenant Entra connection with Graph access from the same app', () => {
    const r = connectionsFromLiteLlmEnv({
      MICROSOFT_CLIENT_ID: 'app-id',
      MICROSOFT_CLIENT_SECRET: 'app-secret',
      MICROSOFT_TENANT: TID,
      MICROSOFT_SERVICE_PRINCIPAL_ID: 'sp-id',
      PROXY_BASE_URL: 'https://llm.acme.com/',
    });
    expect(r.problems).toEqual([]);
    expect(r.connections).toHaveLength(1);
    expect(r.connections[0]).toMatchObject({
      id: 'microsoft',
      type: 'oidc',
      provider: 'entra',
      issuer: `https://login.microsoftonline.com/${TID}/v2.0`,
      client_id: 'app-id',
      client_secret: 'app-secret',
      token_auth: 'client_secret_basic',
      microsoft_graph: {
        base_url: 'https://graph.microsoft.com/v1.0',
        tenant_id: TID,
        client_id: 'app-id',
        client_secret: 'app-secret',
        service_principal_id: 'sp-id',
      },
    });
    expect(r.publicUrl).toBe('https://llm.acme.com');
    expect(r.litellmRoutes).toEqual({
      connection: 'microsoft',
      loginPath: '/sso/key/generate',
      callbackPath: '/sso/callback',
    });
    // One line per variable taken.
    for (const name of [
      'MICROSOFT_CLIENT_ID',
      'MICROSOFT_CLIENT_SECRET',
      'MICROSOFT_TENANT',
      'MICROSOFT_SERVICE_PRINCIPAL_ID',
      'PROXY_BASE_URL',
    ]) {
      expect(r.log.filter((l) => l.startsWith(`${name}:`))).toHaveLength(1);
    }
    expect(r.log.join('\n')).toContain('https://llm.acme.com/sso/callback keeps working');
    expect(r.log.join('\n')).toContain('GroupMember.Read.All');
  });

  it('never writes a secret into the log', () => {
    const r = connectionsFromLiteLlmEnv({
      MICROSOFT_CLIENT_ID: 'app-id',
      MICROSOFT_CLIENT_SECRET: 'ms-very-secret',
      MICROSOFT_TENANT: TID,
      GENERIC_CLIENT_ID: 'gen',
      GENERIC_CLIENT_SECRET: 'generic-very-secret',
      GENERIC_AUTHORIZATION_ENDPOINT: 'https://acme.okta.com/oauth2/default/v1/authorize',
    });
    const text = [...r.log, ...r.problems].join('\n');
    expect(text).not.toContain('ms-very-secret');
    expect(text).not.toContain('generic-very-secret');
  });

  it('Microsoft without a tenant: LiteLLM would use "common"; Gatehouse refuses to guess', () => {
    for (const tenant of [undefined, 'common', 'organizations']) {
      const r = connectionsFromLiteLlmEnv({
        MICROSOFT_CLIENT_ID: 'app-id',
        MICROSOFT_CLIENT_SECRET: 's',
        ...(tenant ? { MICROSOFT_TENANT: tenant } : {}),
      });
      expect(r.connections).toEqual([]);
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatch(/tenant/i);
      expect(r.litellmRoutes).toBeNull();
    }
  });

  it('Generic (Okta custom server): discovery from the issuer, openid added to the scopes', () => {
    const r = connectionsFromLiteLlmEnv({
      GENERIC_CLIENT_ID: '0oa1',
      GENERIC_CLIENT_SECRET: 's',
      GENERIC_AUTHORIZATION_ENDPOINT: 'https://acme.okta.com/oauth2/default/v1/authorize',
      GENERIC_TOKEN_ENDPOINT: 'https://acme.okta.com/oauth2/default/v1/token',
      GENERIC_USERINFO_ENDPOINT: 'https://other.example.com/userinfo',
      GENERIC_SCOPE: 'email profile groups',
      GENERIC_CLIENT_STATE: 'static-state',
      GENERIC_USER_ID_ATTRIBUTE: 'preferred_username',
      GENERIC_USER_EMAIL_ATTRIBUTE: 'mail',
      GENERIC_USER_ROLE_ATTRIBUTE: 'realm_access.roles',
      GENERIC_SOMETHING_NEW: 'x',
    });
    expect(r.problems).toEqual([]);
    expect(r.connections[0]).toMatchObject({
      id: 'generic',
      issuer: 'https://acme.okta.com/oauth2/default',
      client_id: '0oa1',
      scopes: ['openid', 'email', 'profile', 'groups'],
      claims: { email: 'mail', roles: 'roles', groups: 'groups', name: 'name' },
    });
    expect(r.litellmRoutes?.connection).toBe('generic');
    const log = r.log.join('\n');
    expect(log).toContain('GENERIC_SCOPE: scopes openid email profile groups (openid added');
    expect(log).toContain('GENERIC_TOKEN_ENDPOINT: not used, the discovery document names it\n');
    expect(log).toContain('other.example.com/userinfo is on another host');
    expect(log).toContain('GENERIC_CLIENT_STATE: not used: Gatehouse makes a fresh random state');
    expect(log).toContain('GENERIC_USER_ID_ATTRIBUTE: not used');
    expect(log).toContain('GENERIC_SOMETHING_NEW: not used by Gatehouse');
    expect(log).toContain('GENERIC_USER_EMAIL_ATTRIBUTE: claims.email = "mail"');
    expect(log).toContain('GENERIC_USER_ROLE_ATTRIBUTE: not used, nested (dotted) claim paths');
  });

  it('both set: both connections, LiteLLM’s URLs go to microsoft as LiteLLM did', () => {
    const r = connectionsFromLiteLlmEnv({
      MICROSOFT_CLIENT_ID: 'a',
      MICROSOFT_CLIENT_SECRET: 's',
      MICROSOFT_TENANT: 'acme.onmicrosoft.com',
      GENERIC_CLIENT_ID: 'g',
      GENERIC_CLIENT_SECRET: 's',
      GENERIC_AUTHORIZATION_ENDPOINT:
        'https://kc.acme.com/realms/acme/protocol/openid-connect/auth',
    });
    expect(r.connections.map((c) => c.id)).toEqual(['microsoft', 'generic']);
    expect(r.connections[1]?.issuer).toBe('https://kc.acme.com/realms/acme');
    expect(r.litellmRoutes?.connection).toBe('microsoft');
  });

  it('GATEHOUSE_PUBLIC_URL wins over PROXY_BASE_URL; a PROXY_BASE_URL without scheme is a problem', () => {
    const a = connectionsFromLiteLlmEnv({
      PROXY_BASE_URL: 'https://old.example.com',
      GATEHOUSE_PUBLIC_URL: 'https://new.example.com',
    });
    expect(a.publicUrl).toBeNull();
    expect(a.log).toEqual(['PROXY_BASE_URL: not used, GATEHOUSE_PUBLIC_URL is set and wins']);
    const b = connectionsFromLiteLlmEnv({ PROXY_BASE_URL: 'llm.acme.com' });
    expect(b.publicUrl).toBeNull();
    expect(b.problems[0]).toContain('not an http(s) URL with a scheme');
  });

  it('nothing set: nothing to do', () => {
    expect(connectionsFromLiteLlmEnv({})).toEqual({
      connections: [],
      litellmRoutes: null,
      publicUrl: null,
      log: [],
      problems: [],
    });
  });
});

describe('issuer from a LiteLLM authorization endpoint', () => {
  it.each([
    ['https://acme.okta.com/oauth2/v1/authorize', 'https://acme.okta.com'],
    ['https://acme.okta.com/oauth2/default/v1/authorize', 'https://acme.okta.com/oauth2/default'],
    [
      'https://acme.okta.com/oauth2/aus9o8wzkhckw9TLa0h7z/v1/authorize',
      'https://acme.okta.com/oauth2/aus9o8wzkhckw9TLa0h7z',
    ],
    [
      `https://login.microsoftonline.com/${TID}/oauth2/v2.0/authorize`,
      `https://login.microsoftonline.com/${TID}/v2.0`,
    ],
    [
      'https://kc.acme.com/realms/acme/protocol/openid-connect/auth',
      'https://kc.acme.com/realms/acme',
    ],
    [
      'https://kc.acme.com/auth/realms/acme/protocol/openid-connect/auth',
      'https://kc.acme.com/auth/realms/acme',
    ],
    ['https://acme.auth0.com/authorize', 'https://acme.auth0.com'],
  ])('%s → %s', (endpoint, issuer) => {
    expect(issuerFromAuthorizationEndpoint(endpoint)).toBe(issuer);
  });

  it.each(['not a url', 'ftp://x/authorize', 'https://idp.example.com/login/start'])(
    'refuses to guess for %s',
    (endpoint) => {
      expect(issuerFromAuthorizationEndpoint(endpoint)).toBeNull();
    },
  );
});
