import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { type FakeGraph, startFakeGraph } from '../support/fake-graph.js';
import { expectStatus } from '../support/json.js';
import { entraAccount, oktaAccount } from '../support/oidc-idp/accounts.js';
import { CLIENT_SECRET, clientFor } from '../support/oidc-idp/flow.js';
import {
  browserGet,
  type SsoTestApp,
  signInThrough,
  ssoTestApp,
} from '../support/oidc-idp/gatehouse.js';
import { startTestIdp, type TestIdp } from '../support/oidc-idp/server.js';

/**
 * OIDC sign-in end to end through Gatehouse's real routes: the browser driver goes to
 * /sso/{id}/login, through oidc-provider's login form (a real password check), back to
 * /sso/{id}/callback, and on to the management API with the session cookie it was given.
 */
const TID = '9122040d-6c67-4c5b-b112-36a304b66dad';
const ADMINS = '07dd8a60-bf6d-4e17-8844-230b77145381';
const EVALS = '5581e43f-6096-41d4-8ffa-04e560bab39d';
const ALICE_OID = '00000000-0000-0000-66f3-3332eca7ea81';
const BOB_OID = '00000000-0000-0000-0000-00000000b0b0';
const PW = 'correct horse';

interface Me {
  principal: string;
  role: string;
  user: { id: string; email: string | null; user_name: string | null; role: string };
  teams: { team_id: string; name: string; source: string }[];
}
interface Team {
  id: string;
  name: string;
  max_budget: number | null;
  budget_duration: string | null;
  models: string[];
}

let okta: TestIdp;
let oktaThin: TestIdp;
let entra: TestIdp;
let graph: FakeGraph;

beforeAll(async () => {
  okta = await startTestIdp({
    shape: 'okta',
    accounts: [
      oktaAccount({
        username: 'alice@acme.com',
        password: PW,
        sub: '00uALICE',
        groups: ['Everyone', 'Gateway-Admins'],
      }),
      oktaAccount({
        username: 'eve@acme.com',
        password: PW,
        sub: '00uEVE',
        groups: ['Everyone'],
        extra: { litellm_roles: ['owner'] },
      }),
    ],
    clients: [clientFor('okta')],
  });
  oktaThin = await startTestIdp({
    shape: 'okta',
    thinIdToken: true,
    accounts: [
      oktaAccount({
        username: 'dan@thin.example',
        password: PW,
        sub: '00uDAN',
        groups: ['Everyone', 'Engineers'],
      }),
    ],
    clients: [clientFor('okta-thin')],
  });
  graph = await startFakeGraph({ tenantId: TID });
  graph.addGroup(ADMINS, 'Gateway Admins');
  graph.addGroup(EVALS, 'Evals');
  graph.addMember(ADMINS, ALICE_OID);
  graph.addMember(EVALS, ALICE_OID);
  graph.addMember(EVALS, BOB_OID);
  entra = await startTestIdp({
    shape: 'entra',
    tenantId: TID,
    accounts: [],
    clients: [clientFor('entra')],
  });
  entra.addAccount(
    entraAccount({
      username: 'alice@contoso.com',
      password: PW,
      tid: TID,
      oid: ALICE_OID,
      roles: ['proxy_admin'],
      groups: [ADMINS, EVALS],
    }),
  );
  entra.addAccount(
    entraAccount({
      username: 'bob@contoso.com',
      password: PW,
      tid: TID,
      oid: BOB_OID,
      overage: { kind: 'claim_sources', endpoint: entra.trapUrl(BOB_OID) },
    }),
  );
});

afterAll(async () => {
  await Promise.all([okta?.close(), oktaThin?.close(), entra?.close(), graph?.close()]);
});

function config(assignedTo: string | null = null) {
  const oidc = (idp: TestIdp, id: string, extra: Record<string, unknown>) => ({
    id,
    type: 'oidc',
    provider: idp.tenantId ? 'entra' : 'okta',
    issuer: idp.issuer,
    client_id: `client-${id}`,
    client_secret: CLIENT_SECRET,
    scopes: idp.tenantId
      ? ['openid', 'profile', 'email']
      : ['openid', 'profile', 'email', 'groups'],
    ...extra,
  });
  return {
    litellm_settings: {
      default_team_params: { max_budget: 100, budget_duration: '30d', models: ['gpt-4o'] },
    },
    sso: {
      connections: [
        oidc(okta, 'okta', { display_name: 'Okta', email_domains: ['acme.com'] }),
        oidc(oktaThin, 'okta-thin', { email_domains: ['thin.example'] }),
        oidc(entra, 'entra', {
          display_name: 'Microsoft',
          email_domains: ['contoso.com'],
          microsoft_graph: {
            base_url: graph.baseUrl,
            authority_host: graph.authorityHost,
            tenant_id: TID,
            client_id: graph.clientId,
            client_secret: graph.clientSecret,
            ...(assignedTo ? { service_principal_id: assignedTo } : {}),
          },
        }),
      ],
    },
    role_mapping: {
      default_role: 'internal_user_viewer',
      rules: [
        { group: 'Gateway-Admins', role: 'proxy_admin' },
        { group: 'Engineers', role: 'internal_user' },
        { group: 'Evals', role: 'internal_user' },
        { claim: 'litellm_roles', equals: 'owner', role: 'proxy_admin' },
      ],
      app_roles: true,
    },
    group_sync: {
      create_teams: true,
      remove_memberships: true,
      ...(assignedTo ? { scope: 'assigned_to_app' } : {}),
    },
  };
}

describe.each(dialects())('OIDC sign-in through Gatehouse’s routes (%s)', (dialect) => {
  let t: SsoTestApp;
  beforeAll(async () => {
    t = await ssoTestApp(dialect, config(), { graphOptions: { sleep: async () => {} } });
  });
  afterAll(async () => t?.close());

  const me = async (r: Awaited<ReturnType<typeof signInThrough>>) => {
    const got = await browserGet<Me>(t, r.browser, '/api/v1/me');
    expect(got.status).toBe(200);
    return got.body;
  };
  const team = async (id: string) =>
    expectStatus<Team>(await t.call({ method: 'GET', url: `/api/v1/teams/${id}` }), 200);

  it('Okta user with groups → role and teams by the mapping; the session cookie works on /api/v1/me', async () => {
    const r = await signInThrough(t, '/sso/okta/login', {
      username: 'alice@acme.com',
      password: PW,
    });
    expect(r.status).toBe(302);
    expect(r.location).toBe('/ui/');
    expect(r.session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The login state cookie is spent.
    expect(r.cookies.get('gh_sso_state')).toBe('');
    const m = await me(r);
    expect(m).toMatchObject({
      principal: 'session',
      role: 'proxy_admin',
      user: { email: 'alice@acme.com', role: 'proxy_admin' },
    });
    expect(m.teams.map((x) => [x.name, x.source]).sort()).toEqual([
      ['Everyone', 'sso:okta'],
      ['Gateway-Admins', 'sso:okta'],
    ]);
  });

  it('Okta custom claim litellm_roles=owner → proxy_admin', async () => {
    const r = await signInThrough(t, '/sso/okta/login', { username: 'eve@acme.com', password: PW });
    expect((await me(r)).role).toBe('proxy_admin');
  });

  it('thin Okta id_token → groups from userinfo', async () => {
    const before = oktaThin.counts.userinfo;
    const r = await signInThrough(t, '/sso/okta-thin/login', {
      username: 'dan@thin.example',
      password: PW,
    });
    expect(oktaThin.counts.userinfo).toBe(before + 1);
    const m = await me(r);
    expect(m.role).toBe('internal_user');
    expect(m.user.email).toBe('dan@thin.example');
    expect(m.teams.map((x) => x.name).sort()).toEqual(['Engineers', 'Everyone']);
  });

  it('Entra app role proxy_admin → proxy_admin; group GUIDs → teams named from Graph, id = group id, default_team_params', async () => {
    const r = await signInThrough(t, '/sso/entra/login', {
      username: 'alice@contoso.com',
      password: PW,
    });
    expect(r.status).toBe(302);
    const m = await me(r);
    expect(m.role).toBe('proxy_admin');
    expect(m.user.user_name).toBe('alice@contoso.com');
    expect(m.teams.map((x) => [x.team_id, x.name]).sort()).toEqual(
      [
        [ADMINS, 'Gateway Admins'],
        [EVALS, 'Evals'],
      ].sort(),
    );
    expect(await team(ADMINS)).toMatchObject({
      id: ADMINS,
      name: 'Gateway Admins',
      max_budget: 100,
      budget_duration: '30d',
      models: ['gpt-4o'],
    });
    // The identity is keyed by tenant and object id, as background sync expects.
    const identity = await t.db.kysely
      .selectFrom('identities')
      .select('subject')
      .where('user_id', '=', m.user.id)
      .executeTakeFirstOrThrow();
    expect(identity.subject).toBe(`${TID}:${ALICE_OID}`);
  });

  it('Entra overage user → groups from Graph (never from the token’s _claim_sources)', async () => {
    const trap = entra.counts.trap;
    const r = await signInThrough(t, '/sso/entra/login', {
      username: 'bob@contoso.com',
      password: PW,
    });
    const m = await me(r);
    expect(m.teams.map((x) => x.team_id)).toEqual([EVALS]);
    expect(m.role).toBe('internal_user');
    expect(entra.counts.trap).toBe(trap);
  });

  it('two connections side by side, chosen by email domain (/sso/discover)', async () => {
    const acme = expectStatus<{ connection: string; login_url: string }>(
      await t.call({ method: 'GET', url: '/sso/discover?email=Someone@ACME.com', auth: null }),
      200,
    );
    expect(acme.connection).toBe('okta');
    const contoso = expectStatus<{ connection: string; login_url: string }>(
      await t.call({
        method: 'GET',
        url: `/sso/discover?email=${encodeURIComponent('alice@contoso.com')}&return_to=/ui/keys`,
        auth: null,
      }),
      200,
    );
    expect(contoso.connection).toBe('entra');
    expect(contoso.login_url).toBe(
      '/sso/entra/login?login_hint=alice%40contoso.com&return_to=%2Fui%2Fkeys',
    );
    const none = await t.call({
      method: 'GET',
      url: '/sso/discover?email=x@nowhere.example',
      auth: null,
    });
    expect(none.statusCode).toBe(404);
    expect(JSON.parse(none.body).error.message).toContain(
      'No single sign-on is set up for nowhere.example',
    );
    // The login URL discovery gave works, login hint and return_to included.
    const r = await signInThrough(t, contoso.login_url, {
      username: 'alice@contoso.com',
      password: PW,
    });
    expect(r.location).toBe('/ui/keys');
    expect((await me(r)).role).toBe('proxy_admin');
  });

  it('the second sign-in after leaving a group in the IdP removes the membership and lowers the role', async () => {
    const carol = (groups: string[]) =>
      oktaAccount({ username: 'carol@acme.com', password: PW, sub: '00uCAROL', groups });
    okta.addAccount(carol(['Everyone', 'Gateway-Admins']));
    const first = await me(
      await signInThrough(t, '/sso/okta/login', { username: 'carol@acme.com', password: PW }),
    );
    expect(first.role).toBe('proxy_admin');
    expect(first.teams.map((x) => x.name).sort()).toEqual(['Everyone', 'Gateway-Admins']);
    okta.addAccount(carol(['Everyone']));
    const second = await me(
      await signInThrough(t, '/sso/okta/login', { username: 'carol@acme.com', password: PW }),
    );
    expect(second.user.id).toBe(first.user.id);
    expect(second.role).toBe('internal_user_viewer');
    expect(second.teams.map((x) => x.name)).toEqual(['Everyone']);
  });

  it('the sign-in page’s list: enabled connections with their login URLs', async () => {
    const res = await t.call({ method: 'GET', url: '/sso/connections', auth: null });
    expect(expectStatus(res, 200)).toEqual({
      connections: [
        { id: 'okta', display_name: 'Okta', type: 'oidc', login_url: '/sso/okta/login' },
        {
          id: 'okta-thin',
          display_name: 'okta-thin',
          type: 'oidc',
          login_url: '/sso/okta-thin/login',
        },
        { id: 'entra', display_name: 'Microsoft', type: 'oidc', login_url: '/sso/entra/login' },
      ],
    });
  });

  it('logout ends the session and answers the IdP’s logout URL with id_token_hint', async () => {
    const r = await signInThrough(t, '/sso/okta/login', {
      username: 'alice@acme.com',
      password: PW,
    });
    const res = await r.browser.request(t.at('/auth/logout'), { method: 'POST' });
    expect(res.status).toBe(200);
    const { logout_url } = (await res.json()) as { logout_url: string };
    const u = new URL(logout_url);
    expect(`${u.origin}${u.pathname}`).toBe(`${okta.issuer}/session/end`);
    expect(u.searchParams.get('post_logout_redirect_uri')).toBe('http://127.0.0.1:4000/ui/');
    const hint = u.searchParams.get('id_token_hint') ?? '';
    const claims = JSON.parse(Buffer.from(hint.split('.')[1] ?? '', 'base64url').toString());
    expect(claims).toMatchObject({ iss: okta.issuer, sub: '00uALICE', aud: 'client-okta' });
    // The id_token is not kept in clear.
    const rows = await t.db.kysely.selectFrom('sessions').select('id_token').execute();
    expect(JSON.stringify(rows)).not.toContain(hint);
    expect((await browserGet(t, r.browser, '/api/v1/me')).status).toBe(401);
  });
});

describe.each(dialects())('Entra with group_sync.scope assigned_to_app (%s)', (dialect) => {
  const SP = '4c3b2a19-0000-4000-8000-00000000a5a5';
  let t: SsoTestApp;
  beforeAll(async () => {
    graph.assignToApp(SP, ADMINS);
    t = await ssoTestApp(dialect, config(SP), { graphOptions: { sleep: async () => {} } });
  });
  afterAll(async () => {
    graph.unassignFromApp(SP, ADMINS);
    await t?.close();
  });

  it('only the groups assigned to the enterprise app become teams', async () => {
    const r = await signInThrough(t, '/sso/entra/login', {
      username: 'alice@contoso.com',
      password: PW,
    });
    const got = await browserGet<Me>(t, r.browser, '/api/v1/me');
    expect(got.body.teams.map((x) => x.team_id)).toEqual([ADMINS]);
  });
});
