import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
import { oktaAccount } from '../support/oidc-idp/accounts.js';
import { CLIENT_SECRET, clientFor, RP_BASE } from '../support/oidc-idp/flow.js';
import { type SsoTestApp, signInThrough, ssoTestApp } from '../support/oidc-idp/gatehouse.js';
import { startTestIdp, type TestIdp } from '../support/oidc-idp/server.js';
import { userWithKey } from '../support/seed.js';

/**
 * `/api/v1/sso/connections`: connections made through the API sit beside the config file's,
 * their secrets are stored sealed and never come back, file connections are read-only, and a
 * connection made here signs people in like one from the file.
 */
const PW = 'correct horse';
const GRAPH_SECRET = 'graph-app-secret-value';

let okta: TestIdp;
beforeAll(async () => {
  okta = await startTestIdp({
    shape: 'okta',
    accounts: [oktaAccount({ username: 'ann@acme.com', password: PW, sub: '00uANN' })],
    clients: [clientFor('db-okta')],
  });
});
afterAll(async () => okta?.close());

const body = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'oidc',
  provider: 'okta',
  display_name: 'Okta (API)',
  issuer: okta.issuer,
  client_id: `client-${id}`,
  client_secret: CLIENT_SECRET,
  scopes: ['openid', 'profile', 'email', 'groups'],
  email_domains: ['acme.com'],
  ...extra,
});

describe.each(dialects())('SSO connections through the management API (%s)', (dialect) => {
  let t: SsoTestApp;
  beforeAll(async () => {
    t = await ssoTestApp(dialect, {
      sso: {
        connections: [
          {
            id: 'file-okta',
            type: 'oidc',
            issuer: 'https://acme.okta.com/oauth2/default',
            client_id: 'from-file',
            client_secret: 'file-secret',
          },
        ],
      },
    });
  });
  afterAll(async () => t?.close());

  const create = (payload: unknown) =>
    t.call({ method: 'POST', url: '/api/v1/sso/connections', payload: payload as object });
  /** Every secret this test ever stored, none of which may come back. */
  const secrets = [CLIENT_SECRET, GRAPH_SECRET, 'file-secret', 'rotated-secret'];
  const noSecretIn = (text: string) => {
    for (const s of secrets) expect(text).not.toContain(s);
  };

  it('creates a connection: secrets shown only as "set", URLs to register built from the public URL', async () => {
    const res = await create(
      body('db-okta', {
        microsoft_graph: { tenant_id: 'contoso.com', client_id: 'g', client_secret: GRAPH_SECRET },
      }),
    );
    const got = expectStatus<Record<string, unknown>>(res, 201);
    noSecretIn(res.body);
    expect(got).toMatchObject({
      id: 'db-okta',
      client_secret: 'set',
      private_key: null,
      microsoft_graph: { tenant_id: 'contoso.com', client_secret: 'set' },
      source: 'database',
      read_only: false,
      redirect_uri: `${RP_BASE}/sso/db-okta/callback`,
      post_logout_redirect_uri: `${RP_BASE}/ui/`,
      login_url: `${RP_BASE}/sso/db-okta/login`,
      jit: true,
      clock_tolerance: 120,
    });
    const list = await t.call({ method: 'GET', url: '/api/v1/sso/connections' });
    noSecretIn(list.body);
    const ids = expectStatus<{ data: { id: string; source: string }[] }>(list, 200).data.map(
      (c) => [c.id, c.source],
    );
    expect(ids).toEqual([
      ['file-okta', 'config'],
      ['db-okta', 'database'],
    ]);
    const audit = await t.call({
      method: 'GET',
      url: '/api/v1/audit?action=sso.connection_created',
    });
    expect(audit.body).toContain('db-okta');
    noSecretIn(audit.body);
  });

  it('a connection made through the API signs people in', async () => {
    const r = await signInThrough(t, '/sso/db-okta/login', {
      username: 'ann@acme.com',
      password: PW,
    });
    expect([r.status, r.location]).toEqual([302, '/ui/']);
    expect(r.session).not.toBeNull();
  });

  it('PATCH: left-out or "set" secrets are kept, given ones replace, nested Graph secret too', async () => {
    const patch = (payload: unknown) =>
      t.call({
        method: 'PATCH',
        url: '/api/v1/sso/connections/db-okta',
        payload: payload as object,
      });
    const renamed = await patch({
      display_name: 'Okta',
      client_secret: 'set',
      microsoft_graph: { tenant_id: 'fabrikam.com', client_id: 'g' },
    });
    expect(expectStatus(renamed, 200)).toMatchObject({
      display_name: 'Okta',
      client_secret: 'set',
      microsoft_graph: { tenant_id: 'fabrikam.com', client_secret: 'set' },
    });
    noSecretIn(renamed.body);
    let stored = (await t.services.connections.get('db-okta'))?.config;
    expect(stored?.type === 'oidc' && stored.client_secret).toBe(CLIENT_SECRET);
    expect(stored?.microsoft_graph?.client_secret).toBe(GRAPH_SECRET);
    // The stored secret still works for sign-in after the edit.
    const r = await signInThrough(t, '/sso/db-okta/login', {
      username: 'ann@acme.com',
      password: PW,
    });
    expect(r.status).toBe(302);

    expectStatus(await patch({ client_secret: 'rotated-secret', microsoft_graph: null }), 200);
    stored = (await t.services.connections.get('db-okta'))?.config;
    expect(stored?.type === 'oidc' && stored.client_secret).toBe('rotated-secret');
    expect(stored?.microsoft_graph).toBeUndefined();
    expectStatus(await patch({ client_secret: CLIENT_SECRET }), 200);

    expectError(await patch({ id: 'renamed' }), 422, 'validation_failed');
    expectError(await patch({ type: 'saml' }), 422, 'validation_failed');
    expectError(await patch({ no_such_field: 1 }), 422, 'validation_failed');
    expectError(await patch({ client_secret: 'os.environ/OKTA_SECRET' }), 422, 'validation_failed');
  });

  it('refuses bad new connections with a reason per field', async () => {
    const details = async (payload: unknown) =>
      (expectError(await create(payload), 422, 'validation_failed').details ?? []) as {
        path: string;
      }[];
    expect((await details(body('discover'))).map((d) => d.path)).toEqual(['id']);
    expect((await details(body('x', { client_secret: 'set' }))).map((d) => d.path)).toEqual([
      'client_secret',
    ]);
    expect((await details({ ...body('x'), type: 'ldap' })).map((d) => d.path)).toEqual(['type']);
    expect((await details(body('Bad Id'))).map((d) => d.path)).toEqual(['id']);
    expect((await details(body('x', { issuer: 'not a url' }))).map((d) => d.path)).toEqual([
      'issuer',
    ]);
    expectError(await create(body('db-okta')), 409, 'conflict');
    expectError(await create(body('file-okta')), 409, 'conflict');
  });

  it('file connections are read-only through the API (409), readable with their source', async () => {
    const got = expectStatus(
      await t.call({ method: 'GET', url: '/api/v1/sso/connections/file-okta' }),
      200,
    );
    expect(got).toMatchObject({ source: 'config', read_only: true, client_secret: 'set' });
    const patch = await t.call({
      method: 'PATCH',
      url: '/api/v1/sso/connections/file-okta',
      payload: { display_name: 'x' },
    });
    expect(expectError(patch, 409, 'conflict').message).toContain('config file');
    expectError(
      await t.call({ method: 'DELETE', url: '/api/v1/sso/connections/file-okta' }),
      409,
      'conflict',
    );
  });

  it('viewers read; nobody but a proxy admin writes or tests; others may not even read', async () => {
    const viewer = await userWithKey(t, 'proxy_admin_viewer');
    const user = await userWithKey(t, 'internal_user');
    const list = await t.call({ method: 'GET', url: '/api/v1/sso/connections', auth: viewer.key });
    expectStatus(list, 200);
    noSecretIn(list.body);
    for (const auth of [viewer.key, user.key]) {
      expectError(
        await t.call({ method: 'DELETE', url: '/api/v1/sso/connections/db-okta', auth }),
        403,
        'forbidden',
      );
      expectError(
        await t.call({ method: 'POST', url: '/api/v1/sso/connections/db-okta/test', auth }),
        403,
        'forbidden',
      );
    }
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/sso/connections', auth: user.key }),
      403,
      'forbidden',
    );
  });

  it('Test connection: checks with a status each, the redirect URI from GATEHOUSE_PUBLIC_URL', async () => {
    const res = await t.call({ method: 'POST', url: '/api/v1/sso/connections/db-okta/test' });
    const r = expectStatus<{
      connection: string;
      status: string;
      checks: { check: string; status: string; message: string }[];
    }>(res, 200);
    expect(r.connection).toBe('db-okta');
    expect(r.checks.find((c) => c.check === 'discovery')?.status).toBe('ok');
    expect(r.checks.find((c) => c.check === 'jwks')?.status).toBe('ok');
    expect(r.checks.find((c) => c.check === 'redirect_uri')?.message).toContain(
      `${RP_BASE}/sso/db-okta/callback`,
    );
    // The harness lists no `roles` claim: a warning, so the whole result is a warning.
    expect(r.status).toBe('warning');
    noSecretIn(res.body);
  });

  it('DELETE removes it: gone from the API and from sign-in', async () => {
    expect(
      (await t.call({ method: 'DELETE', url: '/api/v1/sso/connections/db-okta' })).statusCode,
    ).toBe(204);
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/sso/connections/db-okta' }),
      404,
      'not_found',
    );
    const page = await fetch(t.at('/sso/db-okta/login'), { redirect: 'manual' });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('There is no sign-in method');
  });
});

describe.each(dialects())('without GATEHOUSE_SECRET (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(async () => t?.close());

  it('a connection with a secret is refused with the reason; one without is stored', async () => {
    const refused = await t.call({
      method: 'POST',
      url: '/api/v1/sso/connections',
      payload: {
        id: 'x',
        type: 'oidc',
        issuer: 'https://acme.okta.com',
        client_id: 'c',
        client_secret: 's',
      },
    });
    expect(expectError(refused, 409, 'conflict').message).toContain('GATEHOUSE_SECRET is not set');
    const ok = await t.call({
      method: 'POST',
      url: '/api/v1/sso/connections',
      payload: { id: 'y', type: 'oidc', issuer: 'https://acme.okta.com', client_id: 'c' },
    });
    expect(expectStatus(ok, 201)).toMatchObject({ id: 'y', client_secret: null });
  });
});
