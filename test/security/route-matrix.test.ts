import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../src/access/sessions.js';
import { connectionSchema } from '../../src/config/connection-schema.js';
import { MASTER_KEY, type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';

/**
 * Walks every declared management route × every kind of caller, against objects outside the
 * caller's reach ("foreign") and inside it ("near"), and compares with the table below, which
 * is written by hand from the access-control requirements — not derived from the matrix code.
 * A route without a row here fails the test, so a new route cannot skip it.
 */
type Caller =
  | 'master'
  | 'proxy_admin'
  | 'proxy_admin_viewer'
  | 'org_admin'
  | 'internal_user'
  | 'internal_user_viewer'
  | 'session_user';
type Outcome = 'allow' | 'deny' | 'missing';
const CALLERS: Caller[] = [
  'master',
  'proxy_admin',
  'proxy_admin_viewer',
  'org_admin',
  'internal_user',
  'internal_user_viewer',
  'session_user',
];

// Short names: A allow, D deny (403), N not found (404). Column order = CALLERS.
const A = 'allow' as const;
const D = 'deny' as const;
const N = 'missing' as const;
type Row = { foreign: Outcome[]; near: Outcome[] };
const same = (o: Outcome[]): Row => ({ foreign: o, near: o });

//                                         master PA  PAV  OA   IU   IUV  session(IU)
const EXPECTED: Record<string, Row> = {
  'GET /api/v1/spend': same([A, A, A, A, A, A, A]),
  'GET /api/v1/spend/logs': same([A, A, A, A, A, A, A]),
  'GET /api/v1/me': same([A, A, A, A, A, A, A]),
  'GET /api/v1/me/sessions': same([A, A, A, A, A, A, A]),
  'DELETE /api/v1/me/sessions/:id': { foreign: [N, N, N, N, N, N, N], near: [N, A, A, A, A, A, A] },
  'GET /api/v1/users': same([A, A, A, A, A, A, A]),
  'POST /api/v1/users': { foreign: [A, A, D, D, D, D, D], near: [A, A, D, A, D, D, D] },
  'GET /api/v1/users/:id': { foreign: [A, A, A, D, D, D, D], near: [A, A, A, A, A, A, A] },
  'PATCH /api/v1/users/:id': { foreign: [A, A, D, D, D, D, D], near: [A, A, D, A, D, D, D] },
  'PUT /api/v1/users/:id/password': same([A, A, D, D, D, D, D]),
  'DELETE /api/v1/users/:id': { foreign: [A, A, D, D, D, D, D], near: [A, A, D, A, D, D, D] },
  'GET /api/v1/teams': same([A, A, A, A, A, A, A]),
  'POST /api/v1/teams': { foreign: [A, A, D, D, D, D, D], near: [A, A, D, A, D, D, D] },
  'GET /api/v1/teams/:id': { foreign: [A, A, A, D, D, D, D], near: [A, A, A, A, A, A, A] },
  'PATCH /api/v1/teams/:id': { foreign: [A, A, D, D, D, D, D], near: [A, A, D, A, D, D, D] },
  'DELETE /api/v1/teams/:id': { foreign: [A, A, D, D, D, D, D], near: [A, A, D, A, D, D, D] },
  'GET /api/v1/teams/:id/members': { foreign: [A, A, A, D, D, D, D], near: [A, A, A, A, A, A, A] },
  'POST /api/v1/teams/:id/members': { foreign: [A, A, D, D, D, D, D], near: [A, A, D, A, A, D, A] },
  'PATCH /api/v1/teams/:id/members/:userId': {
    foreign: [A, A, D, D, D, D, D],
    near: [A, A, D, A, A, D, A],
  },
  'DELETE /api/v1/teams/:id/members/:userId': {
    foreign: [A, A, D, D, D, D, D],
    near: [A, A, D, A, A, D, A],
  },
  'GET /api/v1/organizations': same([A, A, A, A, D, D, D]),
  'POST /api/v1/organizations': same([A, A, D, D, D, D, D]),
  'GET /api/v1/organizations/:id': { foreign: [A, A, A, D, D, D, D], near: [A, A, A, A, D, D, D] },
  'PATCH /api/v1/organizations/:id': same([A, A, D, D, D, D, D]),
  'DELETE /api/v1/organizations/:id': same([A, A, D, D, D, D, D]),
  'GET /api/v1/organizations/:id/members': {
    foreign: [A, A, A, D, D, D, D],
    near: [A, A, A, A, D, D, D],
  },
  'POST /api/v1/organizations/:id/members': {
    foreign: [A, A, D, D, D, D, D],
    near: [A, A, D, A, D, D, D],
  },
  'DELETE /api/v1/organizations/:id/members/:userId': {
    foreign: [A, A, D, D, D, D, D],
    near: [A, A, D, A, D, D, D],
  },
  'GET /api/v1/keys': same([A, A, A, A, A, A, A]),
  'POST /api/v1/keys': { foreign: [A, A, D, D, D, D, D], near: [A, A, A, A, A, D, A] },
  'GET /api/v1/keys/:id': { foreign: [A, A, A, D, D, D, D], near: [A, A, A, A, A, A, A] },
  'PATCH /api/v1/keys/:id': { foreign: [A, A, D, D, D, D, D], near: [A, A, A, A, A, D, A] },
  'DELETE /api/v1/keys/:id': { foreign: [A, A, D, D, D, D, D], near: [A, A, A, A, A, D, A] },
  'GET /api/v1/audit': same([A, A, A, D, D, D, D]),
  'GET /api/v1/role-mapping': same([A, A, A, D, D, D, D]),
  'PUT /api/v1/role-mapping': same([A, A, D, D, D, D, D]),
  'POST /api/v1/role-mapping/preview': same([A, A, A, D, D, D, D]),
  'GET /api/v1/sso/connections': same([A, A, A, D, D, D, D]),
  'POST /api/v1/sso/connections': same([A, A, D, D, D, D, D]),
  'GET /api/v1/sso/connections/:id': same([A, A, A, D, D, D, D]),
  'PATCH /api/v1/sso/connections/:id': same([A, A, D, D, D, D, D]),
  'DELETE /api/v1/sso/connections/:id': same([A, A, D, D, D, D, D]),
  'POST /api/v1/sso/connections/:id/test': same([A, A, D, D, D, D, D]),
  'POST /api/v1/sso/connections/:id/rotate-sp-key': same([A, A, D, D, D, D, D]),
  'GET /api/v1/scim/tokens': same([A, A, A, D, D, D, D]),
  'POST /api/v1/scim/tokens': same([A, A, D, D, D, D, D]),
  'DELETE /api/v1/scim/tokens/:id': same([A, A, D, D, D, D, D]),
  'GET /api/v1/scim/activity': same([A, A, A, D, D, D, D]),
};

interface World {
  orgA: string;
  orgB: string;
  teamA: string; // in org A; internal_user is its admin, internal_user_viewer a member
  teamB: string; // in org B; no caller belongs to it
  users: Record<Exclude<Caller, 'master' | 'session_user'>, { id: string; key: string }>;
  session: { secret: string; userId: string };
}

async function buildWorld(t: TestApp): Promise<World> {
  const s = t.services;
  const orgA = (await t.write((tx) => s.organizations.create(tx, { name: 'Org A' }))).id;
  const orgB = (await t.write((tx) => s.organizations.create(tx, { name: 'Org B' }))).id;
  const teamA = (
    await t.write((tx) => s.teams.create(tx, { name: 'Team A', organization_id: orgA }))
  ).id;
  const teamB = (
    await t.write((tx) => s.teams.create(tx, { name: 'Team B', organization_id: orgB }))
  ).id;
  const users = {} as World['users'];
  for (const role of [
    'proxy_admin',
    'proxy_admin_viewer',
    'org_admin',
    'internal_user',
    'internal_user_viewer',
  ] as const) {
    const u = await t.write((tx) => s.users.create(tx, { email: `${role}@acme.com`, role }));
    const k = await t.write((tx) => s.keys.create(tx, { user_id: u.id, purpose: 'management' }));
    users[role] = { id: u.id, key: k.key };
  }
  await t.write((tx) =>
    s.memberships.addOrgMember(tx, orgA, users.org_admin.id, 'org_admin', { source: 'manual' }),
  );
  await t.write((tx) =>
    s.memberships.addTeamMember(tx, teamA, users.internal_user.id, 'admin', { source: 'manual' }),
  );
  await t.write((tx) =>
    s.memberships.addTeamMember(tx, teamA, users.internal_user_viewer.id, 'member', {
      source: 'manual',
    }),
  );
  // Own keys are limited to one's teams' models: everyone who may create keys is in team A.
  await t.write((tx) =>
    s.memberships.addTeamMember(tx, teamA, users.proxy_admin_viewer.id, 'member', {
      source: 'manual',
    }),
  );
  await t.write((tx) =>
    s.memberships.addTeamMember(tx, teamA, users.org_admin.id, 'member', { source: 'manual' }),
  );
  const session = await s.sessions.create(users.internal_user.id, 'password', {});
  return {
    orgA,
    orgB,
    teamA,
    teamB,
    users,
    session: { secret: session.secret, userId: users.internal_user.id },
  };
}

function callerUser(w: World, c: Caller): { id: string; key: string } | null {
  if (c === 'master') return null;
  if (c === 'session_user') return w.users.internal_user;
  return w.users[c];
}

let seq = 0;
const next = () => `${Date.now().toString(36)}-${(seq++).toString(36)}`;

/**
 * Builds the request for a route, against a fresh object either out of the caller's reach or
 * as near to the caller as the route allows (own record, own key, team A, org A).
 */
async function requestFor(t: TestApp, w: World, route: string, caller: Caller, near: boolean) {
  const s = t.services;
  const me = callerUser(w, caller);
  const orgScoped = caller === 'org_admin';
  const org = near ? w.orgA : w.orgB;
  const team = near ? w.teamA : w.teamB;
  const freshUser = async (inOrg: string | null) => {
    const u = await t.write((tx) =>
      s.users.create(tx, { email: `x${next()}@acme.com`, role: 'internal_user' }),
    );
    if (inOrg)
      await t.write((tx) =>
        s.memberships.addOrgMember(tx, inOrg, u.id, 'member', { source: 'manual' }),
      );
    return u.id;
  };
  // The user a user-route acts on: yourself when near (or for org admins, someone in org A).
  const targetUser = async () => {
    if (!near) return freshUser(w.orgB);
    if (orgScoped || !me || caller === 'proxy_admin') return freshUser(w.orgA);
    return me.id;
  };
  const targetKey = async () => {
    if (!near) {
      const owner = await freshUser(w.orgB);
      return (await t.write((tx) => s.keys.create(tx, { user_id: owner, purpose: 'management' })))
        .id;
    }
    return (
      await t.write((tx) => s.keys.create(tx, { user_id: me?.id ?? null, purpose: 'management' }))
    ).id;
  };
  // Nothing listens on port 9 of loopback: Test connection reports the refusal at once.
  const connection = async () => {
    const id = `c-${next()}`;
    await t.write((tx) => s.connections.create(tx, connectionSchema.parse(connectionBody(id))));
    return id;
  };
  const member = async () => {
    const u = await freshUser(near ? w.orgA : w.orgB);
    await t.write((tx) => s.memberships.addTeamMember(tx, team, u, 'member', { source: 'manual' }));
    return u;
  };
  switch (route) {
    case 'GET /api/v1/me':
    case 'GET /api/v1/me/sessions':
    case 'GET /api/v1/users':
    case 'GET /api/v1/teams':
    case 'GET /api/v1/organizations':
    case 'GET /api/v1/keys':
    case 'GET /api/v1/audit':
    case 'GET /api/v1/spend':
    case 'GET /api/v1/spend/logs':
    case 'GET /api/v1/role-mapping':
    case 'GET /api/v1/sso/connections':
    case 'GET /api/v1/scim/tokens':
    case 'GET /api/v1/scim/activity':
      return { url: route.split(' ')[1] ?? '' };
    case 'POST /api/v1/scim/tokens':
      return { url: '/api/v1/scim/tokens', payload: { name: `scim-${next()}` } };
    case 'DELETE /api/v1/scim/tokens/:id': {
      const made = await t.write((tx) => s.scim.tokens.create(tx, { name: `doomed-${next()}` }));
      return { url: `/api/v1/scim/tokens/${made.token.id}` };
    }
    case 'DELETE /api/v1/me/sessions/:id': {
      const owner = near && me ? me.id : await freshUser(null);
      const sess = await s.sessions.create(owner, 'password', {});
      return { url: `/api/v1/me/sessions/${sess.info.id}` };
    }
    case 'POST /api/v1/users':
      return {
        url: '/api/v1/users',
        payload: { email: `n${next()}@acme.com`, role: 'internal_user', organization_id: org },
      };
    case 'GET /api/v1/users/:id':
      return { url: `/api/v1/users/${await targetUser()}` };
    case 'PATCH /api/v1/users/:id':
      return { url: `/api/v1/users/${await targetUser()}`, payload: { display_name: 'Renamed' } };
    case 'PUT /api/v1/users/:id/password':
      return {
        url: `/api/v1/users/${await targetUser()}/password`,
        payload: { password: 'correct horse battery' },
      };
    case 'DELETE /api/v1/users/:id':
      return {
        url: `/api/v1/users/${near && !orgScoped && me && caller !== 'proxy_admin' ? await freshUser(null) : await targetUser()}`,
      };
    case 'POST /api/v1/teams':
      return { url: '/api/v1/teams', payload: { name: `t-${next()}`, organization_id: org } };
    case 'GET /api/v1/teams/:id':
    case 'GET /api/v1/teams/:id/members':
      return { url: `/api/v1/teams/${team}${route.endsWith('members') ? '/members' : ''}` };
    case 'PATCH /api/v1/teams/:id':
      return { url: `/api/v1/teams/${team}`, payload: { name: near ? 'Team A' : 'Team B' } };
    case 'DELETE /api/v1/teams/:id': {
      const doomed = await t.write((tx) =>
        s.teams.create(tx, { name: `doomed-${next()}`, organization_id: org }),
      );
      if (near && me)
        await t.write((tx) =>
          s.memberships.addTeamMember(tx, doomed.id, me.id, 'admin', { source: 'manual' }),
        );
      return { url: `/api/v1/teams/${doomed.id}` };
    }
    case 'POST /api/v1/teams/:id/members':
      return {
        url: `/api/v1/teams/${team}/members`,
        payload: { user_id: await freshUser(near ? w.orgA : w.orgB) },
      };
    case 'PATCH /api/v1/teams/:id/members/:userId':
      return { url: `/api/v1/teams/${team}/members/${await member()}`, payload: { role: 'admin' } };
    case 'DELETE /api/v1/teams/:id/members/:userId':
      return { url: `/api/v1/teams/${team}/members/${await member()}` };
    case 'POST /api/v1/organizations':
      return { url: '/api/v1/organizations', payload: { name: `o-${next()}` } };
    case 'GET /api/v1/organizations/:id':
    case 'GET /api/v1/organizations/:id/members':
      return { url: `/api/v1/organizations/${org}${route.endsWith('members') ? '/members' : ''}` };
    case 'PATCH /api/v1/organizations/:id':
      return { url: `/api/v1/organizations/${org}`, payload: { max_budget: 10 } };
    case 'DELETE /api/v1/organizations/:id': {
      const doomed = await t.write((tx) =>
        s.organizations.create(tx, { name: `doomed-${next()}` }),
      );
      if (near && me && orgScoped)
        await t.write((tx) =>
          s.memberships.addOrgMember(tx, doomed.id, me.id, 'org_admin', { source: 'manual' }),
        );
      return { url: `/api/v1/organizations/${doomed.id}` };
    }
    case 'POST /api/v1/organizations/:id/members':
      return {
        url: `/api/v1/organizations/${org}/members`,
        payload: { user_id: await freshUser(null) },
      };
    case 'DELETE /api/v1/organizations/:id/members/:userId':
      return { url: `/api/v1/organizations/${org}/members/${await freshUser(org)}` };
    case 'POST /api/v1/keys':
      return {
        url: '/api/v1/keys',
        payload: near ? { name: 'mine' } : { user_id: await freshUser(w.orgB) },
      };
    case 'GET /api/v1/keys/:id':
      return { url: `/api/v1/keys/${await targetKey()}` };
    case 'PATCH /api/v1/keys/:id':
      return { url: `/api/v1/keys/${await targetKey()}`, payload: { name: 'renamed' } };
    case 'DELETE /api/v1/keys/:id':
      return { url: `/api/v1/keys/${await targetKey()}` };
    case 'PUT /api/v1/role-mapping':
      return {
        url: '/api/v1/role-mapping',
        payload: { rules: [{ group: 'litellm-owners', role: 'proxy_admin' }] },
      };
    case 'POST /api/v1/role-mapping/preview':
      return { url: '/api/v1/role-mapping/preview', payload: { groups: ['litellm-owners'] } };
    case 'POST /api/v1/sso/connections':
      return { url: '/api/v1/sso/connections', payload: connectionBody(`c-${next()}`) };
    case 'GET /api/v1/sso/connections/:id':
    case 'DELETE /api/v1/sso/connections/:id':
      return { url: `/api/v1/sso/connections/${await connection()}` };
    case 'PATCH /api/v1/sso/connections/:id':
      return {
        url: `/api/v1/sso/connections/${await connection()}`,
        payload: { display_name: 'Renamed' },
      };
    case 'POST /api/v1/sso/connections/:id/test':
      return { url: `/api/v1/sso/connections/${await connection()}/test`, payload: {} };
    case 'POST /api/v1/sso/connections/:id/rotate-sp-key': {
      const id = `saml-${next()}`;
      const saml = {
        id,
        type: 'saml',
        idp_sso_url: 'https://idp.example/sso',
        idp_entity_id: 'https://idp.example/',
        idp_certificates: ['MIIB'],
      };
      await t.write((tx) => s.connections.create(tx, connectionSchema.parse(saml)));
      return { url: `/api/v1/sso/connections/${id}/rotate-sp-key`, payload: {} };
    }
  }
  return null;
}

/** An OIDC connection with no secret (none is needed to be stored, so no GATEHOUSE_SECRET). */
function connectionBody(id: string) {
  return {
    id,
    type: 'oidc',
    issuer: 'http://127.0.0.1:9/oauth2/default',
    client_id: `client-${id}`,
  };
}

function headersFor(w: World, caller: Caller, method: string): Record<string, string> {
  if (caller === 'master') return { authorization: `Bearer ${MASTER_KEY}` };
  if (caller === 'session_user') {
    const h: Record<string, string> = { cookie: `gh_session=${w.session.secret}` };
    if (method !== 'GET') h['x-csrf-token'] = csrfToken(w.session.secret);
    return h;
  }
  return { authorization: `Bearer ${w.users[caller].key}` };
}

function outcomeOf(status: number): Outcome | `status ${number}` {
  if (status >= 200 && status < 300) return 'allow';
  if (status === 403) return 'deny';
  if (status === 404) return 'missing';
  return `status ${status}`;
}

describe.each(dialects())('every management route × every caller (%s)', (dialect) => {
  let t: TestApp;
  let w: World;
  // The app's clock: a key's expiry is reached by moving it, not by waiting.
  let clock = Date.now();
  beforeAll(async () => {
    // GATEHOUSE_SECRET: rotating a SAML SP key stores a private key, sealed.
    t = await testApp(
      dialect,
      {},
      {
        now: () => new Date(clock),
        env: { GATEHOUSE_SECRET: 'route-matrix-secret-0123456789abcdef' },
      },
    );
    w = await buildWorld(t);
  });
  afterAll(async () => t.close());

  it('has an expected row for every declared route, and no row for a route that does not exist', () => {
    const declared = t.routes.map((r) => `${r.method} ${r.url}`).sort();
    expect(declared).toEqual(Object.keys(EXPECTED).sort());
  });

  it('allows and denies exactly as the table says', async () => {
    const mismatches: string[] = [];
    for (const r of t.routes) {
      const route = `${r.method} ${r.url}`;
      const row = EXPECTED[route];
      if (!row) continue; // reported by the test above
      for (const near of [false, true]) {
        for (const [i, caller] of CALLERS.entries()) {
          const req = await requestFor(t, w, route, caller, near);
          if (!req) {
            mismatches.push(`${route}: no request fixture`);
            continue;
          }
          const res = await t.app.inject({
            method: r.method as 'GET',
            url: req.url,
            headers: headersFor(w, caller, r.method),
            ...(req.payload ? { payload: req.payload } : {}),
          });
          const want = (near ? row.near : row.foreign)[i];
          const got = outcomeOf(res.statusCode);
          if (got !== want) {
            mismatches.push(
              `${route} [${near ? 'near' : 'foreign'}] as ${caller}: want ${want}, got ${got} ${res.body.slice(0, 160)}`,
            );
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('refuses anonymous, deactivated, blocked and expired callers on every route with a 401 reason', async () => {
    const s = t.services;
    const gone = await t.write((tx) =>
      s.users.create(tx, { email: `gone${next()}@acme.com`, role: 'proxy_admin' }),
    );
    const goneKey = await t.write((tx) =>
      s.keys.create(tx, { user_id: gone.id, purpose: 'management' }),
    );
    const goneSession = await s.sessions.create(gone.id, 'password', {});
    await t.write((tx) => s.users.setActive(tx, gone.id, false));
    const blocked = await t.write((tx) => s.keys.create(tx, { purpose: 'management' }));
    await t.write((tx) => s.keys.update(tx, blocked.id, { blocked: true }));
    const expiring = await t.write((tx) =>
      s.keys.create(tx, {
        expires_at: new Date(clock + 60_000).toISOString(),
        purpose: 'management',
      }),
    );
    clock += 60_001;
    const callers: [string, Record<string, string>, string][] = [
      ['anonymous', {}, 'unauthenticated'],
      ['garbage key', { authorization: 'Bearer sk-gh-nope' }, 'invalid_credentials'],
      ['deactivated user key', { authorization: `Bearer ${goneKey.key}` }, 'user_inactive'],
      [
        'deactivated user session',
        { cookie: `gh_session=${goneSession.secret}`, 'x-csrf-token': goneSession.csrf },
        'user_inactive',
      ],
      ['blocked key', { authorization: `Bearer ${blocked.key}` }, 'key_blocked'],
      ['expired key', { authorization: `Bearer ${expiring.key}` }, 'key_expired'],
      ['unknown session', { cookie: 'gh_session=forged', 'x-csrf-token': 'x' }, 'session_invalid'],
    ];
    const wrong: string[] = [];
    for (const r of t.routes) {
      const url = r.url.replace(':userId', 'someone').replace(':id', 'something');
      for (const [name, headers, code] of callers) {
        const res = await t.app.inject({
          method: r.method as 'GET',
          url,
          headers,
          payload: r.method === 'GET' ? undefined : {},
        });
        const body = JSON.parse(res.body) as { error?: { code?: string } };
        if (res.statusCode !== 401 || body.error?.code !== code) {
          wrong.push(`${r.method} ${r.url} as ${name}: ${res.statusCode} ${body.error?.code}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
