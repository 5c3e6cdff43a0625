import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
import { createKey, createTeam, createUser } from '../support/seed.js';

interface Team {
  id: string;
  name: string;
  organization_id: string | null;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  models: string[];
  rpm_limit: number | null;
  tpm_limit: number | null;
  source: string;
}
interface Member {
  user_id: string;
  role: string;
  sources: { source: string; role: string }[];
}

// The seed document's snippet (002 §3.1), as an object.
const seedDefaults = {
  litellm_settings: {
    default_team_params: {
      max_budget: 100,
      budget_duration: '30d',
      models: ['gpt-3.5-turbo'],
      rpm_limit: 60,
    },
  },
};

describe.each(dialects())('teams, members and organizations API (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect, seedDefaults);
  });
  afterAll(async () => t.close());

  it('applies default_team_params to every field not given, from the API', async () => {
    const team = (await createTeam(t, { name: 'Production LLM Evals Group' })) as unknown as Team;
    expect(team).toMatchObject({
      max_budget: 100,
      budget_duration: '30d',
      models: ['gpt-3.5-turbo'],
      rpm_limit: 60,
      tpm_limit: null,
    });
    const reset = Date.parse(team.budget_reset_at ?? '');
    expect(reset - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
    expect(reset - Date.now()).toBeLessThan(30.1 * 86_400_000);
    const own = (await createTeam(t, { max_budget: 5, models: ['fake-gpt'] })) as unknown as Team;
    expect(own).toMatchObject({ max_budget: 5, models: ['fake-gpt'], budget_duration: '30d' });
  });

  it('applies the same defaults on the service path SSO group sync and SCIM use', async () => {
    const groupId = '6f1c2a8e-3b5d-4e7f-9a01-23456789abcd';
    const team = await t.write((tx) =>
      t.services.teams.create(tx, {
        id: groupId,
        name: 'Default LiteLLM Prod Team',
        source: 'sso:entra',
        external_id: groupId,
      }),
    );
    expect(team).toMatchObject({
      id: groupId,
      max_budget: 100,
      budget_duration: '30d',
      models: ['gpt-3.5-turbo'],
    });
    const viaApi = expectStatus<Team>(
      await t.call({ method: 'GET', url: `/api/v1/teams/${groupId}` }),
      200,
    );
    expect(viaApi.source).toBe('sso:entra');
    const byExternal = expectStatus<{ data: Team[] }>(
      await t.call({ method: 'GET', url: `/api/v1/teams?external_id=${groupId}` }),
      200,
    );
    expect(byExternal.data.map((x) => x.id)).toEqual([groupId]);
  });

  it('refuses duplicate ids and external ids, unknown organizations and bad fields', async () => {
    const a = await createTeam(t, { external_id: 'ext-1' });
    expectError(
      await t.call({ method: 'POST', url: '/api/v1/teams', payload: { id: a.id, name: 'x' } }),
      409,
      'conflict',
    );
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/teams',
        payload: { name: 'y', external_id: 'ext-1' },
      }),
      409,
      'conflict',
    );
    const org = expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/teams',
        payload: { name: 'z', organization_id: 'nope' },
      }),
      422,
      'validation_failed',
    );
    expect(org.details).toContainEqual(expect.objectContaining({ path: 'organization_id' }));
    const bad = expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/teams',
        payload: { name: '  ', budget_duration: '30 days', rpm_limit: 1.5 },
      }),
      422,
      'validation_failed',
    );
    const paths = (bad.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'budget_duration', 'rpm_limit']));
    expectError(
      await t.call({ method: 'PATCH', url: `/api/v1/teams/${a.id}`, payload: { name: '' } }),
      422,
      'validation_failed',
    );
  });

  it('updates and renames a team and records before/after in the audit log', async () => {
    const team = await createTeam(t);
    const renamed = expectStatus<Team>(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/teams/${team.id}`,
        payload: { name: 'Renamed', max_budget: null, budget_duration: '1mo' },
      }),
      200,
    );
    expect(renamed).toMatchObject({ name: 'Renamed', max_budget: null, budget_duration: '1mo' });
    const audit = expectStatus<{ data: { action: string; before: Team; after: Team }[] }>(
      await t.call({
        method: 'GET',
        url: `/api/v1/audit?target_type=team&target_id=${team.id}&action=team.updated`,
      }),
      200,
    );
    expect(audit.data[0]?.before.name).toBe(team.name);
    expect(audit.data[0]?.after.name).toBe('Renamed');
  });

  it('keeps one membership per source: removing the manual one leaves the IdP one', async () => {
    const team = await createTeam(t);
    const u = await createUser(t);
    expectStatus(
      await t.call({
        method: 'POST',
        url: `/api/v1/teams/${team.id}/members`,
        payload: { user_id: u.id },
      }),
      201,
    );
    expectError(
      await t.call({
        method: 'POST',
        url: `/api/v1/teams/${team.id}/members`,
        payload: { user_id: u.id },
      }),
      409,
      'conflict',
    );
    await t.write((tx) =>
      t.services.memberships.addTeamMember(tx, team.id, u.id, 'admin', { source: 'sso:okta' }),
    );
    let members = expectStatus<{ data: Member[] }>(
      await t.call({ method: 'GET', url: `/api/v1/teams/${team.id}/members` }),
      200,
    );
    expect(members.data).toHaveLength(1);
    expect(members.data[0]?.role).toBe('admin');
    expect(members.data[0]?.sources.map((s) => s.source).sort()).toEqual(['manual', 'sso:okta']);

    expectStatus(
      await t.call({ method: 'DELETE', url: `/api/v1/teams/${team.id}/members/${u.id}` }),
      204,
    );
    members = expectStatus<{ data: Member[] }>(
      await t.call({ method: 'GET', url: `/api/v1/teams/${team.id}/members` }),
      200,
    );
    expect(members.data[0]?.sources.map((s) => s.source)).toEqual(['sso:okta']);
    expectError(
      await t.call({ method: 'DELETE', url: `/api/v1/teams/${team.id}/members/${u.id}` }),
      404,
      'not_found',
    );
    expectError(
      await t.call({
        method: 'DELETE',
        url: `/api/v1/teams/${team.id}/members/${u.id}?source=bogus`,
      }),
      422,
      'validation_failed',
    );
    expectStatus(
      await t.call({
        method: 'DELETE',
        url: `/api/v1/teams/${team.id}/members/${u.id}?source=sso:okta`,
      }),
      204,
    );
  });

  it('changes a member role, and refuses members or teams that do not exist', async () => {
    const team = await createTeam(t);
    const u = await createUser(t);
    expectStatus(
      await t.call({
        method: 'POST',
        url: `/api/v1/teams/${team.id}/members`,
        payload: { user_id: u.id, role: 'user' },
      }),
      201,
    );
    const changed = expectStatus<{ role: string }>(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/teams/${team.id}/members/${u.id}`,
        payload: { role: 'admin' },
      }),
      200,
    );
    expect(changed.role).toBe('admin');
    expectError(
      await t.call({
        method: 'POST',
        url: `/api/v1/teams/${team.id}/members`,
        payload: { user_id: 'ghost' },
      }),
      404,
      'not_found',
    );
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/teams/ghost/members',
        payload: { user_id: u.id },
      }),
      404,
      'not_found',
    );
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/teams/ghost/members' }),
      404,
      'not_found',
    );
    expectError(
      await t.call({
        method: 'POST',
        url: `/api/v1/teams/${team.id}/members`,
        payload: { user_id: u.id, role: 'owner' },
      }),
      422,
      'validation_failed',
    );
  });

  it('creating a team with members is all or nothing', async () => {
    const u = await createUser(t);
    const name = `atomic-${Date.now()}`;
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/teams',
        payload: { name, members: [{ user_id: u.id }, { user_id: 'ghost' }] },
      }),
      404,
      'not_found',
    );
    const found = expectStatus<{ data: Team[] }>(
      await t.call({ method: 'GET', url: `/api/v1/teams?name=${name}` }),
      200,
    );
    expect(found.data).toEqual([]);
  });

  it('deleting a team deletes its team keys, which stop working at once', async () => {
    const team = await createTeam(t);
    const k = await createKey(t, { team_id: team.id });
    expectStatus(await t.call({ method: 'GET', url: '/v1/models', auth: k.key }), 200);
    expectStatus(await t.call({ method: 'DELETE', url: `/api/v1/teams/${team.id}` }), 204);
    expectError(
      await t.call({ method: 'GET', url: '/v1/models', auth: k.key }),
      401,
      'invalid_credentials',
    );
    expectError(await t.call({ method: 'GET', url: `/api/v1/keys/${k.id}` }), 404, 'not_found');
    expectError(
      await t.call({ method: 'DELETE', url: `/api/v1/teams/${team.id}` }),
      404,
      'not_found',
    );
  });

  it('blocking a team blocks its keys', async () => {
    const team = await createTeam(t);
    const k = await createKey(t, { team_id: team.id });
    expectStatus(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/teams/${team.id}`,
        payload: { blocked: true },
      }),
      200,
    );
    expectError(
      await t.call({ method: 'GET', url: '/v1/models', auth: k.key }),
      401,
      'key_blocked',
    );
    expectStatus(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/teams/${team.id}`,
        payload: { blocked: false },
      }),
      200,
    );
    expectStatus(await t.call({ method: 'GET', url: '/v1/models', auth: k.key }), 200);
  });

  it('manages organizations, their members, and detaches teams when one is deleted', async () => {
    const org = expectStatus<{ id: string; name: string; models: string[] }>(
      await t.call({
        method: 'POST',
        url: '/api/v1/organizations',
        payload: {
          name: 'Acme Research',
          models: ['fake-gpt'],
          max_budget: 1000,
          budget_duration: '1mo',
        },
      }),
      201,
    );
    expect(org.models).toEqual(['fake-gpt']);
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/organizations',
        payload: { name: 'Acme Research' },
      }),
      409,
      'conflict',
    );
    const renamed = expectStatus<{ name: string }>(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/organizations/${org.id}`,
        payload: { name: 'Acme R&D' },
      }),
      200,
    );
    expect(renamed.name).toBe('Acme R&D');
    const list = expectStatus<{ data: { id: string }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/organizations' }),
      200,
    );
    expect(list.data.map((o) => o.id)).toContain(org.id);

    const u = await createUser(t);
    expectStatus(
      await t.call({
        method: 'POST',
        url: `/api/v1/organizations/${org.id}/members`,
        payload: { user_id: u.id, role: 'org_admin' },
      }),
      201,
    );
    const members = expectStatus<{ data: Member[] }>(
      await t.call({ method: 'GET', url: `/api/v1/organizations/${org.id}/members` }),
      200,
    );
    expect(members.data).toEqual([expect.objectContaining({ user_id: u.id, role: 'org_admin' })]);

    const team = await createTeam(t, { organization_id: org.id });
    const inOrg = expectStatus<{ data: Team[] }>(
      await t.call({ method: 'GET', url: `/api/v1/teams?organization_id=${org.id}` }),
      200,
    );
    expect(inOrg.data.map((x) => x.id)).toEqual([team.id]);

    expectStatus(
      await t.call({ method: 'DELETE', url: `/api/v1/organizations/${org.id}/members/${u.id}` }),
      204,
    );
    expectStatus(await t.call({ method: 'DELETE', url: `/api/v1/organizations/${org.id}` }), 204);
    const detached = expectStatus<Team>(
      await t.call({ method: 'GET', url: `/api/v1/teams/${team.id}` }),
      200,
    );
    expect(detached.organization_id).toBeNull();
    expectError(
      await t.call({ method: 'GET', url: `/api/v1/organizations/${org.id}` }),
      404,
      'not_found',
    );
  });
});
