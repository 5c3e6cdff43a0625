import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { connectionSchema } from '../../src/config/connection-schema.js';
import { ConnectionSecretsError } from '../../src/provisioning/connections.js';
import { dialects } from '../support/db.js';
import { expectStatus } from '../support/json.js';
import { oktaAccount } from '../support/oidc-idp/accounts.js';
import { TestBrowser } from '../support/oidc-idp/browser.js';
import { CLIENT_SECRET, clientFor, RP_BASE } from '../support/oidc-idp/flow.js';
import {
  type SsoTestApp,
  signInThrough,
  ssoTestApp,
  TEST_SECRET,
} from '../support/oidc-idp/gatehouse.js';
import { startTestIdp, type TestIdp } from '../support/oidc-idp/server.js';

/**
 * Running SSO: an IdP that is down, LiteLLM's URLs, several instances on one database, and
 * stored secrets that cannot be opened.
 */
const PW = 'correct horse';
const alice = { username: 'alice@acme.com', password: PW };

let okta: TestIdp;
beforeAll(async () => {
  okta = await startTestIdp({
    shape: 'okta',
    accounts: [oktaAccount({ ...alice, sub: '00uALICE', groups: ['Everyone'] })],
    clients: [
      clientFor('okta'),
      clientFor('generic', { redirect_uris: [`${RP_BASE}/sso/callback`] }),
    ],
  });
});
afterAll(async () => okta?.close());

const oktaConnection = (idp: TestIdp, id: string) => ({
  id,
  type: 'oidc',
  provider: 'okta',
  display_name: 'Okta',
  issuer: idp.issuer,
  client_id: `client-${id}`,
  client_secret: CLIENT_SECRET,
  scopes: ['openid', 'profile', 'email', 'groups'],
});

describe.each(dialects())('an IdP that is down (%s)', (dialect) => {
  let flaky: TestIdp;
  let t: SsoTestApp;
  let clock = Date.now();
  beforeAll(async () => {
    flaky = await startTestIdp({
      shape: 'okta',
      accounts: [oktaAccount({ ...alice, sub: '00uALICE' })],
      clients: [clientFor('flaky')],
    });
    flaky.down = true;
    t = await ssoTestApp(
      dialect,
      { sso: { connections: [oktaConnection(flaky, 'flaky')] } },
      { now: () => new Date(clock) },
    );
  });
  afterAll(async () => {
    await t?.close();
    await flaky?.close();
  });

  it('does not stop Gatehouse from starting, and break-glass login works meanwhile', async () => {
    expect(flaky.counts.discovery).toBe(0);
    expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'root@acme.com', role: 'proxy_admin', password: 'break glass password' },
      }),
      201,
    );
    const res = await fetch(t.at('/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'root@acme.com', password: 'break glass password' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('gh_session='))).toBe(true);
  });

  it('its sign-in error page says why, with a reference in the audit log', async () => {
    const res = await new TestBrowser().request(t.at('/sso/flaky/login'));
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();
    expect(page).toContain('The identity provider could not be reached');
    expect(page).toContain('href="/sso/flaky/login">Try again');
    const reference = /class="ref">([0-9A-F-]{14})</.exec(page)?.[1] ?? 'none';
    const event = await t.db.kysely
      .selectFrom('audit_events')
      .select('after')
      .where('action', '=', 'auth.login_failed')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(event.after ?? '{}')).toMatchObject({
      method: 'sso:flaky',
      reason: 'idp_unavailable',
      reference,
      detail: expect.stringContaining('HTTP 503'),
    });
  });

  it('Test connection names the failure; after the retry pause the recovered IdP signs people in', async () => {
    const test = expectStatus<{ status: string; checks: { check: string; message: string }[] }>(
      await t.call({ method: 'POST', url: '/api/v1/sso/connections/flaky/test' }),
      200,
    );
    expect(test.status).toBe('error');
    expect(test.checks.find((c) => c.check === 'discovery')?.message).toContain('HTTP 503');
    flaky.down = false;
    clock += 31_000;
    const r = await signInThrough(t, '/sso/flaky/login', alice);
    expect([r.status, r.location]).toEqual([302, '/ui/']);
  });
});

describe.each(dialects())('LiteLLM’s SSO environment (%s)', (dialect) => {
  let t: SsoTestApp;
  beforeAll(async () => {
    t = await ssoTestApp(
      dialect,
      {},
      {
        env: {
          GENERIC_CLIENT_ID: 'client-generic',
          GENERIC_CLIENT_SECRET: CLIENT_SECRET,
          GENERIC_AUTHORIZATION_ENDPOINT: `${okta.issuer}/auth`,
          GENERIC_TOKEN_ENDPOINT: `${okta.issuer}/token`,
          GENERIC_SCOPE: 'openid email profile groups',
        },
      },
    );
  });
  afterAll(async () => t?.close());

  it('signs in at LiteLLM’s URLs, so the redirect URI registered for LiteLLM keeps working', async () => {
    const list = expectStatus<{ connections: { id: string; login_url: string }[] }>(
      await t.call({ method: 'GET', url: '/sso/connections', auth: null }),
      200,
    );
    expect(list.connections).toEqual([
      {
        id: 'generic',
        display_name: 'Single sign-on',
        type: 'oidc',
        login_url: '/sso/key/generate',
      },
    ]);
    const r = await signInThrough(t, '/sso/key/generate', alice);
    expect(r.callback.pathname).toBe('/sso/callback');
    expect([r.status, r.location]).toEqual([302, '/ui/']);
    const me = await r.browser.request(t.at('/api/v1/me'));
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('alice@acme.com');
  });

  it('the connection is shown as coming from the environment, read-only', async () => {
    const c = expectStatus(
      await t.call({ method: 'GET', url: '/api/v1/sso/connections/generic' }),
      200,
    );
    expect(c).toMatchObject({
      source: 'environment',
      read_only: true,
      client_secret: 'set',
      redirect_uri: `${RP_BASE}/sso/callback`,
      login_url: `${RP_BASE}/sso/key/generate`,
    });
    const patch = await t.call({
      method: 'PATCH',
      url: '/api/v1/sso/connections/generic',
      payload: { enabled: false },
    });
    expect(patch.statusCode).toBe(409);
    expect(patch.body).toContain('environment variables');
  });
});

describe.each(dialects())('several instances on one database (%s)', (dialect) => {
  let a: SsoTestApp;
  let b: Awaited<ReturnType<typeof buildApp>>;
  let originB = '';
  beforeAll(async () => {
    a = await ssoTestApp(dialect, { sso: { connections: [oktaConnection(okta, 'okta')] } });
    b = await buildApp({ config: a.config, db: a.db, logger: false, feedPollMs: 3_600_000 });
    await b.app.listen({ port: 0, host: '127.0.0.1' });
    originB = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await b?.app.close();
    await a?.close();
  });

  it('a sign-in started on one instance finishes on another; the session works on both', async () => {
    const start = await fetch(a.at('/sso/okta/login'), { redirect: 'manual' });
    const stateCookie = start.headers
      .getSetCookie()
      .map((c) => c.split(';', 1)[0] ?? '')
      .find((c) => c.startsWith('gh_sso_state='));
    const callback = await new TestBrowser().signIn(
      start.headers.get('location') ?? '',
      alice,
      `${RP_BASE}/sso/`,
    );
    const done = await fetch(`${originB}${callback.pathname}${callback.search}`, {
      headers: { cookie: stateCookie ?? '' },
      redirect: 'manual',
    });
    expect(done.status).toBe(302);
    const session = done.headers
      .getSetCookie()
      .map((c) => c.split(';', 1)[0] ?? '')
      .find((c) => /^gh_session=./.test(c));
    for (const origin of [a.origin, originB]) {
      const me = await fetch(`${origin}/api/v1/me`, { headers: { cookie: session ?? '' } });
      expect(me.status).toBe(200);
    }
  });

  it('a connection made on one instance is used by the other at once', async () => {
    expectStatus(
      await a.call({
        method: 'POST',
        url: '/api/v1/sso/connections',
        payload: { ...oktaConnection(okta, 'late'), display_name: 'Late' },
      }),
      201,
    );
    const list = await fetch(`${originB}/sso/connections`);
    expect(
      ((await list.json()) as { connections: { id: string }[] }).connections.map((c) => c.id),
    ).toEqual(['okta', 'late']);
  });
});

describe.each(dialects())('stored secrets at start-up (%s)', (dialect) => {
  it('refuses to start without the secret they were sealed under, and says so', async () => {
    const t = await ssoTestApp(dialect, {});
    try {
      await t.write((s) =>
        t.services.connections.create(s, connectionSchema.parse(oktaConnection(okta, 'sealed'))),
      );
      await t.app.close();
      const start = (secret: string | undefined) =>
        buildApp({ config: { ...t.config, secret }, db: t.db, logger: false });
      const none = await start(undefined).catch((e: unknown) => e);
      expect(none).toBeInstanceOf(ConnectionSecretsError);
      expect((none as Error).message).toContain('GATEHOUSE_SECRET is not set');
      const other = await start('another-secret-of-enough-length').catch((e: unknown) => e);
      expect((other as Error).message).toContain('another GATEHOUSE_SECRET');
      const same = await start(TEST_SECRET);
      await same.app.close();
    } finally {
      await t.db.dispose();
    }
  });
});
