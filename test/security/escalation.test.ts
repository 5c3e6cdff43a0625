import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';

/** Attacks on least privilege: each is a thing a lower role tries in order to gain more. */
describe.each(dialects())('privilege escalation attempts (%s)', (dialect) => {
  let t: TestApp;
  let orgA: string;
  let orgB: string;
  let teamA: string;
  let teamB: string;
  let orgAdmin: { id: string; key: string };
  let dev: { id: string; key: string }; // internal_user, admin of team A
  let viewer: { id: string; key: string }; // internal_user_viewer, member of team A

  async function person(
    role: 'org_admin' | 'internal_user' | 'internal_user_viewer' | 'proxy_admin',
    email: string,
  ) {
    const u = await t.write((tx) => t.services.users.create(tx, { email, role }));
    const k = await t.write((tx) =>
      t.services.keys.create(tx, { user_id: u.id, purpose: 'management' }),
    );
    return { id: u.id, key: k.key };
  }

  beforeAll(async () => {
    t = await testApp(dialect);
    const s = t.services;
    orgA = (await t.write((tx) => s.organizations.create(tx, { name: 'A' }))).id;
    orgB = (await t.write((tx) => s.organizations.create(tx, { name: 'B' }))).id;
    teamA = (
      await t.write((tx) =>
        s.teams.create(tx, {
          name: 'team-a',
          organization_id: orgA,
          models: ['fake-gpt', 'gpt-4o-mini'],
        }),
      )
    ).id;
    teamB = (
      await t.write((tx) =>
        s.teams.create(tx, { name: 'team-b', organization_id: orgB, models: ['claude'] }),
      )
    ).id;
    orgAdmin = await person('org_admin', 'oa@acme.com');
    dev = await person('internal_user', 'dev@acme.com');
    viewer = await person('internal_user_viewer', 'viewer@acme.com');
    await t.write((tx) =>
      s.memberships.addOrgMember(tx, orgA, orgAdmin.id, 'org_admin', { source: 'manual' }),
    );
    await t.write((tx) =>
      s.memberships.addTeamMember(tx, teamA, dev.id, 'admin', { source: 'manual' }),
    );
    await t.write((tx) =>
      s.memberships.addTeamMember(tx, teamA, viewer.id, 'member', { source: 'manual' }),
    );
  });
  afterAll(async () => t.close());

  it('an org admin cannot create or promote anyone above the user roles', async () => {
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        auth: orgAdmin.key,
        payload: { email: 'boss@acme.com', role: 'proxy_admin', organization_id: orgA },
      }),
      403,
      'forbidden',
    );
    const u = expectStatus<{ id: string; role: string }>(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        auth: orgAdmin.key,
        payload: { email: 'new@acme.com', organization_id: orgA },
      }),
      201,
    );
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${u.id}`,
        auth: orgAdmin.key,
        payload: { role: 'org_admin' },
      }),
      403,
      'forbidden',
    );
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${orgAdmin.id}`,
        auth: orgAdmin.key,
        payload: { role: 'proxy_admin' },
      }),
      403,
      'forbidden',
    );
    expectStatus(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${u.id}`,
        auth: orgAdmin.key,
        payload: { role: 'internal_user_viewer' },
      }),
      200,
    );
  });

  it('an org admin cannot touch a proxy admin or a person who also belongs to another org', async () => {
    const boss = await person('proxy_admin', 'boss2@acme.com');
    await t.write((tx) =>
      t.services.memberships.addOrgMember(tx, orgA, boss.id, 'member', { source: 'manual' }),
    );
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${boss.id}`,
        auth: orgAdmin.key,
        payload: { active: false },
      }),
      403,
      'forbidden',
    );
    expectError(
      await t.call({ method: 'DELETE', url: `/api/v1/users/${boss.id}`, auth: orgAdmin.key }),
      403,
      'forbidden',
    );
    const shared = await person('internal_user', 'shared@acme.com');
    await t.write((tx) =>
      t.services.memberships.addOrgMember(tx, orgB, shared.id, 'member', { source: 'manual' }),
    );
    // An org admin cannot pull B's person into A…
    expectError(
      await t.call({
        method: 'POST',
        url: `/api/v1/organizations/${orgA}/members`,
        auth: orgAdmin.key,
        payload: { user_id: shared.id },
      }),
      403,
      'forbidden',
    );
    // …and when a proxy admin puts them in both, A's admin still gets no power over them.
    await t.write((tx) =>
      t.services.memberships.addOrgMember(tx, orgA, shared.id, 'member', { source: 'manual' }),
    );
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${shared.id}`,
        auth: orgAdmin.key,
        payload: { active: false },
      }),
      403,
      'forbidden',
    );
    // Nor over their keys, whether asked for one by one or in a list.
    const sharedKey = await t.write((tx) =>
      t.services.keys.create(tx, { user_id: shared.id, purpose: 'management' }),
    );
    expectError(
      await t.call({ method: 'GET', url: `/api/v1/keys/${sharedKey.id}`, auth: orgAdmin.key }),
      403,
      'forbidden',
    );
    const listed = expectStatus<{ data: { id: string }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/keys?limit=500', auth: orgAdmin.key }),
      200,
    );
    expect(listed.data.map((k) => k.id)).not.toContain(sharedKey.id);
  });

  it('an org admin cannot move a team into an organization they do not run', async () => {
    const own = expectStatus<{ id: string }>(
      await t.call({
        method: 'POST',
        url: '/api/v1/teams',
        auth: orgAdmin.key,
        payload: { name: 'oa-team', organization_id: orgA },
      }),
      201,
    );
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/teams/${own.id}`,
        auth: orgAdmin.key,
        payload: { organization_id: orgB },
      }),
      403,
      'forbidden',
    );
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/teams',
        auth: orgAdmin.key,
        payload: { name: 'no-org' },
      }),
      403,
      'forbidden',
    );
  });

  it('lists show each caller only what is in reach', async () => {
    const users = expectStatus<{ data: { id: string }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/users?limit=500', auth: orgAdmin.key }),
      200,
    );
    const ids = users.data.map((u) => u.id);
    expect(ids).toContain(orgAdmin.id);
    expect(ids).not.toContain(dev.id); // dev is in team A but not a member of org A
    const teams = expectStatus<{ data: { id: string }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/teams', auth: viewer.key }),
      200,
    );
    expect(teams.data.map((x) => x.id)).toEqual([teamA]);
    const orgTeams = expectStatus<{ data: { id: string }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/teams?limit=500', auth: orgAdmin.key }),
      200,
    );
    expect(orgTeams.data.map((x) => x.id)).toContain(teamA);
    expect(orgTeams.data.map((x) => x.id)).not.toContain(teamB);
    const orgs = expectStatus<{ data: { id: string }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/organizations', auth: orgAdmin.key }),
      200,
    );
    expect(orgs.data.map((o) => o.id)).toEqual([orgA]);
  });

  it('an internal user manages only their own keys, within their teams’ models', async () => {
    const other = await person('internal_user', 'other@acme.com');
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/keys',
        auth: dev.key,
        payload: { user_id: other.id },
      }),
      403,
      'forbidden',
    );
    const mine = expectStatus<{ id: string; user_id: string; models: string[] }>(
      await t.call({
        method: 'POST',
        url: '/api/v1/keys',
        auth: dev.key,
        payload: { name: 'laptop' },
      }),
      201,
    );
    expect(mine.user_id).toBe(dev.id);
    expect(mine.models).toEqual(['fake-gpt', 'gpt-4o-mini']);
    const extra = expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/keys',
        auth: dev.key,
        payload: { models: ['claude'] },
      }),
      422,
      'validation_failed',
    );
    expect(extra.message).toContain('claude');
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/keys',
        auth: dev.key,
        payload: { team_id: teamB },
      }),
      422,
      'validation_failed',
    );
    const otherKey = await t.write((tx) =>
      t.services.keys.create(tx, { user_id: other.id, purpose: 'management' }),
    );
    expectError(
      await t.call({ method: 'GET', url: `/api/v1/keys/${otherKey.id}`, auth: dev.key }),
      403,
      'forbidden',
    );
    expectError(
      await t.call({ method: 'DELETE', url: `/api/v1/keys/${otherKey.id}`, auth: dev.key }),
      403,
      'forbidden',
    );
    const list = expectStatus<{ data: { id: string; user_id: string }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/keys', auth: dev.key }),
      200,
    );
    expect(list.data.every((k) => k.user_id === dev.id)).toBe(true);
  });

  it('a key owner cannot loosen their own key: no bigger budget, no unblocking an admin’s block', async () => {
    const k = expectStatus<{ id: string }>(
      await t.call({
        method: 'POST',
        url: '/api/v1/keys',
        auth: dev.key,
        payload: { max_budget: 5 },
      }),
      201,
    );
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/keys/${k.id}`,
        auth: dev.key,
        payload: { max_budget: 5000 },
      }),
      422,
      'validation_failed',
    );
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/keys/${k.id}`,
        auth: dev.key,
        payload: { models: ['claude'] },
      }),
      422,
      'validation_failed',
    );
    expectStatus(
      await t.call({ method: 'PATCH', url: `/api/v1/keys/${k.id}`, payload: { blocked: true } }),
      200,
    );
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/keys/${k.id}`,
        auth: dev.key,
        payload: { blocked: false },
      }),
      422,
      'validation_failed',
    );
    const renamed = expectStatus<{ name: string; blocked: boolean }>(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/keys/${k.id}`,
        auth: dev.key,
        payload: { name: 'renamed' },
      }),
      200,
    );
    expect(renamed).toMatchObject({ name: 'renamed', blocked: true });
  });

  it('a team admin manages the team’s members and keys but not its budget; a viewer creates nothing', async () => {
    const newcomer = await person('internal_user', 'newcomer@acme.com');
    expectStatus(
      await t.call({
        method: 'POST',
        url: `/api/v1/teams/${teamA}/members`,
        auth: dev.key,
        payload: { user_id: newcomer.id },
      }),
      201,
    );
    const teamKey = expectStatus<{ id: string; team_id: string }>(
      await t.call({
        method: 'POST',
        url: '/api/v1/keys',
        auth: dev.key,
        payload: { team_id: teamA, user_id: newcomer.id },
      }),
      201,
    );
    expect(teamKey.team_id).toBe(teamA);
    expectStatus(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/keys/${teamKey.id}`,
        auth: dev.key,
        payload: { max_budget: 20 },
      }),
      200,
    );
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/teams/${teamA}`,
        auth: dev.key,
        payload: { max_budget: 1e9 },
      }),
      403,
      'forbidden',
    );
    expectError(
      await t.call({
        method: 'POST',
        url: `/api/v1/teams/${teamB}/members`,
        auth: dev.key,
        payload: { user_id: newcomer.id },
      }),
      403,
      'forbidden',
    );

    expectError(
      await t.call({ method: 'POST', url: '/api/v1/keys', auth: viewer.key, payload: {} }),
      403,
      'forbidden',
    );
    expectError(
      await t.call({
        method: 'POST',
        url: `/api/v1/teams/${teamA}/members`,
        auth: viewer.key,
        payload: { user_id: newcomer.id },
      }),
      403,
      'forbidden',
    );
    const own = expectStatus<{ data: unknown[] }>(
      await t.call({ method: 'GET', url: '/api/v1/keys', auth: viewer.key }),
      200,
    );
    expect(own.data).toHaveLength(1);
  });
});

describe.each(dialects())(
  'keys act as their owner: nobody may mint one for someone stronger (%s)',
  (dialect) => {
    it('an org admin cannot make or manage keys of a proxy admin pulled into their org', async () => {
      const t = await testApp(dialect);
      try {
        const s = t.services;
        const org = (await t.write((tx) => s.organizations.create(tx, { name: 'Mine' }))).id;
        const oa = await t.write((tx) =>
          s.users.create(tx, { email: 'oa@x.com', role: 'org_admin' }),
        );
        await t.write((tx) =>
          s.memberships.addOrgMember(tx, org, oa.id, 'org_admin', { source: 'manual' }),
        );
        const oaKey = (
          await t.write((tx) => s.keys.create(tx, { user_id: oa.id, purpose: 'management' }))
        ).key;
        const boss = await t.write((tx) =>
          s.users.create(tx, { email: 'boss@x.com', role: 'proxy_admin' }),
        );
        const bossKey = await t.write((tx) =>
          s.keys.create(tx, { user_id: boss.id, purpose: 'management' }),
        );
        // Adding someone stronger is refused; a proxy admin can still do it…
        expectError(
          await t.call({
            method: 'POST',
            url: `/api/v1/organizations/${org}/members`,
            auth: oaKey,
            payload: { user_id: boss.id },
          }),
          403,
          'forbidden',
        );
        await t.write((tx) =>
          s.memberships.addOrgMember(tx, org, boss.id, 'member', { source: 'manual' }),
        );
        // …and then the membership still gives no power over their keys.
        expectError(
          await t.call({
            method: 'POST',
            url: '/api/v1/keys',
            auth: oaKey,
            payload: { user_id: boss.id },
          }),
          403,
          'forbidden',
        );
        expectError(
          await t.call({ method: 'GET', url: `/api/v1/keys/${bossKey.id}`, auth: oaKey }),
          403,
          'forbidden',
        );
        expectError(
          await t.call({
            method: 'PATCH',
            url: `/api/v1/keys/${bossKey.id}`,
            auth: oaKey,
            payload: { blocked: true },
          }),
          403,
          'forbidden',
        );
        expectError(
          await t.call({ method: 'DELETE', url: `/api/v1/keys/${bossKey.id}`, auth: oaKey }),
          403,
          'forbidden',
        );
        // An ordinary user wholly inside the org is fine.
        const dev = await t.write((tx) =>
          s.users.create(tx, { email: 'dev@x.com', role: 'internal_user' }),
        );
        await t.write((tx) =>
          s.memberships.addOrgMember(tx, org, dev.id, 'member', { source: 'manual' }),
        );
        expectStatus(
          await t.call({
            method: 'POST',
            url: '/api/v1/keys',
            auth: oaKey,
            payload: { user_id: dev.id },
          }),
          201,
        );
      } finally {
        await t.close();
      }
    });

    it('a team admin cannot make a team key that acts as a stronger teammate', async () => {
      const t = await testApp(dialect);
      try {
        const s = t.services;
        const team = (await t.write((tx) => s.teams.create(tx, { name: 'T' }))).id;
        const lead = await t.write((tx) =>
          s.users.create(tx, { email: 'lead@x.com', role: 'internal_user' }),
        );
        await t.write((tx) =>
          s.memberships.addTeamMember(tx, team, lead.id, 'admin', { source: 'manual' }),
        );
        const leadKey = (
          await t.write((tx) => s.keys.create(tx, { user_id: lead.id, purpose: 'management' }))
        ).key;
        const boss = await t.write((tx) =>
          s.users.create(tx, { email: 'boss@x.com', role: 'proxy_admin' }),
        );
        // Adding someone stronger is refused; a proxy admin can still do it…
        expectError(
          await t.call({
            method: 'POST',
            url: `/api/v1/teams/${team}/members`,
            auth: leadKey,
            payload: { user_id: boss.id },
          }),
          403,
          'forbidden',
        );
        await t.write((tx) =>
          s.memberships.addTeamMember(tx, team, boss.id, 'member', { source: 'manual' }),
        );
        const bossTeamKey = await t.write((tx) =>
          s.keys.create(tx, { user_id: boss.id, team_id: team, purpose: 'management' }),
        );
        const listed = expectStatus<{ data: { id: string }[] }>(
          await t.call({ method: 'GET', url: '/api/v1/keys', auth: leadKey }),
          200,
        );
        expect(listed.data.map((k) => k.id)).not.toContain(bossTeamKey.id);
        // …and then the membership still gives no power over their keys.
        expectError(
          await t.call({
            method: 'POST',
            url: '/api/v1/keys',
            auth: leadKey,
            payload: { user_id: boss.id, team_id: team },
          }),
          403,
          'forbidden',
        );
        const mate = await t.write((tx) =>
          s.users.create(tx, { email: 'mate@x.com', role: 'internal_user' }),
        );
        await t.write((tx) =>
          s.memberships.addTeamMember(tx, team, mate.id, 'member', { source: 'manual' }),
        );
        expectStatus(
          await t.call({
            method: 'POST',
            url: '/api/v1/keys',
            auth: leadKey,
            payload: { user_id: mate.id, team_id: team },
          }),
          201,
        );
      } finally {
        await t.close();
      }
    });

    it('an org admin cannot create a user whose default role they could not grant', async () => {
      const t = await testApp(dialect, {
        litellm_settings: { default_internal_user_params: { user_role: 'proxy_admin' } },
      });
      try {
        const s = t.services;
        const org = (await t.write((tx) => s.organizations.create(tx, { name: 'Mine' }))).id;
        const oa = await t.write((tx) =>
          s.users.create(tx, { email: 'oa@x.com', role: 'org_admin' }),
        );
        await t.write((tx) =>
          s.memberships.addOrgMember(tx, org, oa.id, 'org_admin', { source: 'manual' }),
        );
        const oaKey = (
          await t.write((tx) => s.keys.create(tx, { user_id: oa.id, purpose: 'management' }))
        ).key;
        expectError(
          await t.call({
            method: 'POST',
            url: '/api/v1/users',
            auth: oaKey,
            payload: { email: 'n@x.com', organization_id: org },
          }),
          403,
          'forbidden',
        );
        expectStatus(
          await t.call({
            method: 'POST',
            url: '/api/v1/users',
            auth: oaKey,
            payload: { email: 'n@x.com', organization_id: org, role: 'internal_user' },
          }),
          201,
        );
      } finally {
        await t.close();
      }
    });

    it('a key that belongs to nobody may still ask who it is; an owner’s own block is marked as theirs', async () => {
      const t = await testApp(dialect);
      try {
        const orphan = await t.write((tx) => t.services.keys.create(tx, { purpose: 'management' }));
        const me = expectStatus<{ principal: string; role: string | null; key_id: string }>(
          await t.call({ method: 'GET', url: '/api/v1/me', auth: orphan.key }),
          200,
        );
        expect(me).toMatchObject({ principal: 'api_key', role: null, key_id: orphan.id });
        expectError(
          await t.call({ method: 'GET', url: '/api/v1/users', auth: orphan.key }),
          403,
          'forbidden',
        );
        const team = (await t.write((tx) => t.services.teams.create(tx, { name: 'T' }))).id;
        const u = await t.write((tx) =>
          t.services.users.create(tx, { email: 'u@x.com', role: 'internal_user' }),
        );
        await t.write((tx) =>
          t.services.memberships.addTeamMember(tx, team, u.id, 'member', { source: 'manual' }),
        );
        const k = await t.write((tx) =>
          t.services.keys.create(tx, { user_id: u.id, purpose: 'management' }),
        );
        const blocked = expectStatus<{ blocked_reason: string }>(
          await t.call({
            method: 'PATCH',
            url: `/api/v1/keys/${k.id}`,
            auth: k.key,
            payload: { blocked: true },
          }),
          200,
        );
        expect(blocked.blocked_reason).toBe('blocked_by_owner');
      } finally {
        await t.close();
      }
    });
  },
);
