import { describe, expect, it } from 'vitest';
import { oktaAccount } from './accounts.js';
import { SignInFailed, TestBrowser } from './browser.js';
import { startTestIdp } from './server.js';

// The harness itself: its login really checks passwords (oidc-provider's dev login does not).
describe('test IdP harness', () => {
  const redirect = 'http://127.0.0.1:9/cb';
  const authUrl = (issuer: string) =>
    `${issuer}/auth?${new URLSearchParams({
      client_id: 'gw',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirect,
      state: 's',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })}`;

  it('refuses a wrong password and lets the right one through to the redirect URI', async () => {
    const idp = await startTestIdp({
      shape: 'okta',
      accounts: [oktaAccount({ username: 'alice@acme.com', password: 'right', sub: '00u1' })],
      clients: [{ client_id: 'gw', client_secret: 'x', redirect_uris: [redirect] }],
    });
    try {
      const wrong = await new TestBrowser()
        .signIn(authUrl(idp.issuer), { username: 'alice@acme.com', password: 'wrong' }, redirect)
        .catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(SignInFailed);
      expect(idp.counts.loginFailures).toBe(1);
      const unknown = await new TestBrowser()
        .signIn(authUrl(idp.issuer), { username: 'mallory@acme.com', password: 'right' }, redirect)
        .catch((e: unknown) => e);
      expect(unknown).toBeInstanceOf(SignInFailed);
      const cb = await new TestBrowser().signIn(
        authUrl(idp.issuer),
        { username: 'alice@acme.com', password: 'right' },
        redirect,
      );
      expect(cb.searchParams.get('code')).toBeTruthy();
      expect(cb.searchParams.get('state')).toBe('s');
      expect(cb.searchParams.get('iss')).toBe(idp.issuer);
    } finally {
      await idp.close();
    }
  });

  it('is mounted under the Okta and Entra issuer paths, and can go down', async () => {
    const okta = await startTestIdp({ shape: 'okta', accounts: [], clients: [] });
    const entra = await startTestIdp({
      shape: 'entra',
      tenantId: 't-1',
      accounts: [],
      clients: [],
    });
    try {
      expect(okta.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2\/default$/);
      expect(entra.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t-1\/v2\.0$/);
      const doc = (await (
        await fetch(`${entra.issuer}/.well-known/openid-configuration`)
      ).json()) as {
        issuer: string;
        jwks_uri: string;
      };
      expect(doc.issuer).toBe(entra.issuer);
      expect(doc.jwks_uri.startsWith(entra.issuer)).toBe(true);
      expect(entra.counts.discovery).toBe(1);
      entra.down = true;
      expect((await fetch(`${entra.issuer}/.well-known/openid-configuration`)).status).toBe(503);
    } finally {
      await okta.close();
      await entra.close();
    }
  });
});
