import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/config/schema.js';
import type { VerifiedIdentity } from '../../src/provisioning/types.js';
import { completeSignIn } from '../../src/sso/login.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';

const OKTA = {
  id: 'okta',
  type: 'oidc',
  issuer: 'https://acme.okta.com/oauth2/default',
  client_id: 'client',
  email_domains: ['acme.com'],
} as const;

const config = {
  litellm_settings: {
    default_team_params: { max_budget: 100, budget_duration: '30d', models: ['gpt-3.5-turbo'] },
    default_internal_user_params: { max_budget: 5, budget_duration: '7d' },
  },
  sso: {
    connections: [
      OKTA,
      { ...OKTA, id: 'strict', jit: false },
      { ...OKTA, id: 'linking', link_existing_by_email: true },
    ],
  },
  role_mapping: {
    rules: [
      { group: 'litellm-owners', role: 'proxy_admin' },
      { group: 'litellm-admins', role: 'org_admin', organization: 'Acme', org_role: 'org_admin' },
      { group: 'litellm-developers', role: 'internal_user' },
      { group: 'litellm-readonly', role: 'internal_user_viewer' },
      { group: 'platform-leads', team: 'ML Platform', team_role: 'admin' },
    ],
  },
  group_sync: { include: ['^(ml|eng|ML)'] },
};

/** An Okta-shaped identity: `sub` as subject, groups as names. */
function okta(
  sub: string,
  groups: string[],
  extra: Partial<VerifiedIdentity> = {},
): Omit<VerifiedIdentity, 'connection'> {
  return {
    subject: sub,
    email: `${sub}@acme.com`,
    emailVerified: true,
    userName: `${sub}@acme.com`,
    displayName: `User ${sub}`,
    givenName: null,
    familyName: null,
    groups: groups.map((name) => ({ id: null, name })),
    groupsComplete: true,
    claims: {},
    roles: [],
    ...extra,
  };
}

describe.each(dialects())('the sign-in pipeline (%s)', (dialect) => {
  let t: TestApp;
  let conn: (id: string) => ConnectionConfig;
  const signIn = (id: string, identity: Omit<VerifiedIdentity, 'connection'>) =>
    completeSignIn(t.services.signIn, conn(id), identity);

  beforeAll(async () => {
    t = await testApp(dialect, config);
    conn = (id) => {
      const c = t.config.sso.connections.find((x) => x.id === id);
      if (!c) throw new Error(`no connection ${id}`);
      return c;
    };
    await t.write((tx) => t.services.organizations.create(tx, { name: 'Acme' }));
  });
  afterAll(async () => t.close());

  it('creates the person just in time with default_internal_user_params and the mapped role', async () => {
    const r = await signIn('okta', okta('00u1owner', ['litellm-owners', 'Everyone']));
    expect(r.created).toBe(true);
    expect(r.user).toMatchObject({
      email: '00u1owner@acme.com',
      role: 'proxy_admin',
      role_source: 'idp',
      source: 'sso:okta',
      max_budget: 5,
      budget_duration: '7d',
    });
    expect(r.resolution.matched.map((m) => m.matched)).toEqual(['group litellm-owners']);
    const again = await signIn('okta', okta('00u1owner', ['litellm-owners']));
    expect(again.created).toBe(false);
    expect(again.user.id).toBe(r.user.id);
  });

  it('gives the higher role to admins+developers, and re-evaluates at every sign-in (demotion included)', async () => {
    const first = await signIn('okta', okta('00u2dev', ['litellm-developers', 'litellm-admins']));
    expect(first.user.role).toBe('org_admin');
    const orgs = await t.db.kysely
      .selectFrom('org_memberships')
      .selectAll()
      .where('user_id', '=', first.user.id)
      .execute();
    expect(orgs).toEqual([expect.objectContaining({ role: 'org_admin', source: 'sso:okta' })]);
    const demoted = await signIn('okta', okta('00u2dev', ['litellm-developers']));
    expect(demoted.user.role).toBe('internal_user');
    const orgsAfter = await t.db.kysely
      .selectFrom('org_memberships')
      .selectAll()
      .where('user_id', '=', first.user.id)
      .execute();
    expect(orgsAfter).toEqual([]);
    const audit = expectStatus<{ data: { before: { role: string }; after: { role: string } }[] }>(
      await t.call({
        method: 'GET',
        url: `/api/v1/audit?action=user.role_changed&target_id=${first.user.id}`,
      }),
      200,
    );
    expect(audit.data[0]).toMatchObject({
      before: { role: 'org_admin' },
      after: { role: 'internal_user' },
    });
  });

  it('the read-only user cannot change configuration or create keys (000 §10.3)', async () => {
    const r = await signIn('okta', okta('00u3ro', ['litellm-readonly']));
    expect(r.user.role).toBe('internal_user_viewer');
    const key = await t.write((tx) =>
      t.services.keys.create(tx, { user_id: r.user.id, purpose: 'management' }),
    );
    expectError(
      await t.call({ method: 'PUT', url: '/api/v1/role-mapping', auth: key.key, payload: {} }),
      403,
      'forbidden',
    );
    expectError(
      await t.call({ method: 'POST', url: '/api/v1/keys', auth: key.key, payload: {} }),
      403,
      'forbidden',
    );
    expectError(
      await t.call({ method: 'POST', url: '/api/v1/teams', auth: key.key, payload: { name: 'x' } }),
      403,
      'forbidden',
    );
    expectStatus(await t.call({ method: 'GET', url: '/api/v1/keys', auth: key.key }), 200);
  });

  it('turns in-scope groups into teams with default_team_params, and follows joins and leaves', async () => {
    const r = await signIn('okta', okta('00u4ml', ['ml-research', 'eng-platform', 'Everyone']));
    const names = r.sync.teams.map((x) => x.name);
    expect(names).toEqual(['eng-platform', 'ml-research']); // "Everyone" is outside group_sync.include
    const team = expectStatus<{
      data: {
        id: string;
        source: string;
        max_budget: number;
        budget_duration: string;
        models: string[];
      }[];
    }>(await t.call({ method: 'GET', url: '/api/v1/teams?name=ml-research' }), 200).data[0];
    expect(team).toMatchObject({
      source: 'sso:okta',
      max_budget: 100,
      budget_duration: '30d',
      models: ['gpt-3.5-turbo'],
    });
    // An admin also adds the person to ml-research by hand.
    expectStatus(
      await t.call({
        method: 'POST',
        url: `/api/v1/teams/${team?.id}/members`,
        payload: { user_id: r.user.id },
      }),
      201,
    );

    const left = await signIn('okta', okta('00u4ml', ['eng-platform']));
    expect(left.sync.removed).toEqual([team?.id]);
    const members = expectStatus<{ data: { user_id: string; sources: { source: string }[] }[] }>(
      await t.call({ method: 'GET', url: `/api/v1/teams/${team?.id}/members` }),
      200,
    );
    // The manual membership is untouched; only the IdP-sourced one went.
    expect(members.data).toEqual([
      expect.objectContaining({
        user_id: r.user.id,
        sources: [expect.objectContaining({ source: 'manual' })],
      }),
    ]);
  });

  it('meets the team SCIM created for the same group instead of making a second one', async () => {
    const scimTeam = await t.write((tx) =>
      t.services.teams.create(tx, {
        name: 'eng-data',
        source: 'scim:okta',
        external_id: '00g1scimgroup',
      }),
    );
    const r = await signIn('okta', okta('00u5data', ['eng-data']));
    expect(r.sync.teams).toEqual([
      expect.objectContaining({ team_id: scimTeam.id, name: 'eng-data' }),
    ]);
    expect(r.sync.created).toEqual([]);
  });

  it('grants team admin through a rule and refuses to invent teams a rule names', async () => {
    const r = await signIn('okta', okta('00u6lead', ['platform-leads']));
    expect(r.sync.skipped).toEqual(['rule team ML Platform: no such team']);
    await t.write((tx) => t.services.teams.create(tx, { name: 'ML Platform' }));
    const again = await signIn('okta', okta('00u6lead', ['platform-leads']));
    expect(again.sync.teams).toEqual([
      expect.objectContaining({ name: 'ML Platform', role: 'admin' }),
    ]);
  });

  it('keeps a manually pinned role and still records what the IdP said', async () => {
    const r = await signIn('okta', okta('00u7pin', ['litellm-developers']));
    expectStatus(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${r.user.id}`,
        payload: { role: 'proxy_admin_viewer' },
      }),
      200,
    );
    const again = await signIn('okta', okta('00u7pin', ['litellm-owners']));
    expect(again.user.role).toBe('proxy_admin_viewer');
    expect(again.roleApplied).toBe(false);
    const u = expectStatus<{ role_explanation: { role: string; pinned: boolean } }>(
      await t.call({ method: 'GET', url: `/api/v1/users/${r.user.id}` }),
      200,
    );
    expect(u.role_explanation).toMatchObject({ role: 'proxy_admin', pinned: true });
    // Unpinning hands the role back to the IdP at the next sign-in.
    expectStatus(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${r.user.id}`,
        payload: { role_pinned: false },
      }),
      200,
    );
    const back = await signIn('okta', okta('00u7pin', ['litellm-owners']));
    expect(back.user).toMatchObject({ role: 'proxy_admin', role_source: 'idp' });
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${r.user.id}`,
        payload: { role: 'internal_user', role_pinned: false },
      }),
      422,
      'validation_failed',
    );
  });

  it('with a partial group list (overage, Graph down) grants nothing new and removes nothing', async () => {
    const r = await signIn('okta', okta('00u8part', ['litellm-developers', 'ml-partial']));
    expect(r.user.role).toBe('internal_user');
    const partial = await signIn(
      'okta',
      okta('00u8part', ['litellm-owners', 'ml-brand-new'], { groupsComplete: false }),
    );
    expect(partial.user.role).toBe('internal_user');
    expect(partial.sync.created).toEqual([]);
    expect(partial.sync.removed).toEqual([]);
    expect(partial.sync.teams.map((x) => x.name)).toEqual(['ml-partial']);
    const teams = expectStatus<{ data: unknown[] }>(
      await t.call({ method: 'GET', url: '/api/v1/teams?name=ml-brand-new' }),
      200,
    );
    expect(teams.data).toEqual([]);
    // A demotion still applies: the partial list only ever withholds privilege.
    const demoted = await signIn('okta', okta('00u8part', [], { groupsComplete: false }));
    expect(demoted.user.role).toBe('internal_user');
  });

  it('never merges accounts by email silently; links only under a verified-domain rule', async () => {
    const existing = expectStatus<{ id: string }>(
      await t.call({ method: 'POST', url: '/api/v1/users', payload: { email: 'carol@acme.com' } }),
      201,
    );
    const identity = okta('00u9carol', [], { email: 'carol@acme.com' });
    await expect(signIn('okta', identity)).rejects.toMatchObject({ code: 'conflict' });
    await expect(signIn('linking', { ...identity, emailVerified: false })).rejects.toMatchObject({
      code: 'conflict',
    });
    const linked = await signIn('linking', identity);
    expect(linked.user.id).toBe(existing.id);
    expect(linked.created).toBe(false);
  });

  it('with jit off admits only provisioned people, with a clear message', async () => {
    await expect(signIn('strict', okta('00uAnew', []))).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('not been provisioned'),
    });
  });

  it('refuses a deactivated person and audits it', async () => {
    const r = await signIn('okta', okta('00uBgone', ['litellm-developers']));
    await t.write((tx) => t.services.users.setActive(tx, r.user.id, false));
    await expect(signIn('okta', okta('00uBgone', ['litellm-developers']))).rejects.toMatchObject({
      code: 'user_inactive',
    });
    const audit = expectStatus<{ data: { after: { reason: string } }[] }>(
      await t.call({
        method: 'GET',
        url: `/api/v1/audit?action=auth.login_failed&target_id=${r.user.id}`,
      }),
      200,
    );
    expect(audit.data[0]?.after.reason).toBe('user deactivated');
  });

  it('previews a person without signing them in', async () => {
    const res = expectStatus<{
      role: string;
      teams: { team: string; via: string }[];
      matched: { rule: number; rule_definition: unknown }[];
    }>(
      await t.call({
        method: 'POST',
        url: '/api/v1/role-mapping/preview',
        payload: { groups: ['litellm-admins', 'litellm-developers', 'ml-x', 'platform-leads'] },
      }),
      200,
    );
    expect(res.role).toBe('org_admin');
    expect(res.matched.map((m) => m.rule)).toEqual([1, 2, 4]);
    expect(res.matched[0]?.rule_definition).toMatchObject({ group: 'litellm-admins' });
    expect(res.teams).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ team: 'ml-x', via: 'group' }),
        expect.objectContaining({ team: 'ML Platform', via: 'rule' }),
      ]),
    );
    const cfg = expectStatus<{ source: string; read_only: boolean }>(
      await t.call({ method: 'GET', url: '/api/v1/role-mapping' }),
      200,
    );
    expect(cfg).toMatchObject({ source: 'config', read_only: true });
    expectError(
      await t.call({ method: 'PUT', url: '/api/v1/role-mapping', payload: { rules: [] } }),
      409,
      'conflict',
    );
    // Read-only wins over validation: an invalid body still hears "read-only", not 422.
    expectError(
      await t.call({ method: 'PUT', url: '/api/v1/role-mapping', payload: { rules: 'nope' } }),
      409,
      'conflict',
    );
  });
});

describe.each(dialects())('role mapping stored through the API (%s)', (dialect) => {
  it('validates, stores and applies it at the next sign-in', async () => {
    const t = await testApp(dialect, { sso: { connections: [OKTA] } });
    try {
      const bad = expectError(
        await t.call({
          method: 'PUT',
          url: '/api/v1/role-mapping',
          payload: { rules: [{ group: 'x', role: 'root' }] },
        }),
        422,
        'validation_failed',
      );
      expect(JSON.stringify(bad.details)).toContain('rules');
      expectError(
        await t.call({
          method: 'PUT',
          url: '/api/v1/role-mapping',
          payload: { rules: [{ group_regex: '([', role: 'proxy_admin' }] },
        }),
        422,
        'validation_failed',
      );
      const c = t.config.sso.connections[0];
      if (!c) throw new Error('no connection');
      const before = await completeSignIn(t.services.signIn, c, okta('00uCx', ['gateway-admins']));
      expect(before.user.role).toBe('internal_user_viewer');
      const stored = expectStatus<{ source: string; rules: unknown[] }>(
        await t.call({
          method: 'PUT',
          url: '/api/v1/role-mapping',
          payload: { rules: [{ group: 'gateway-admins', role: 'PROXY_ADMIN' }] },
        }),
        200,
      );
      expect(stored).toMatchObject({
        source: 'database',
        rules: [{ group: 'gateway-admins', role: 'proxy_admin' }],
      });
      const after = await completeSignIn(t.services.signIn, c, okta('00uCx', ['gateway-admins']));
      expect(after.user.role).toBe('proxy_admin');
      const audit = expectStatus<{ data: unknown[] }>(
        await t.call({ method: 'GET', url: '/api/v1/audit?action=settings.role_mapping_updated' }),
        200,
      );
      expect(audit.data).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
