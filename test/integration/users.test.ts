import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
import { createKey, createTeam, createUser } from '../support/seed.js';

interface User {
  id: string;
  email: string;
  role: string;
  role_source: string;
  active: boolean;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  models: string[];
}

describe.each(dialects())('users API (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect, {
      litellm_settings: {
        default_internal_user_params: {
          user_role: 'internal_user',
          max_budget: 10,
          budget_duration: '7d',
          models: ['fake-gpt'],
        },
      },
    });
  });
  afterAll(async () => t.close());

  it('creates a user with default_internal_user_params for every field not given', async () => {
    const u = (await createUser(t, { email: 'Ada@Acme.com' })) as unknown as User;
    expect(u).toMatchObject({
      email: 'Ada@Acme.com',
      role: 'internal_user',
      role_source: 'default',
      active: true,
      max_budget: 10,
      budget_duration: '7d',
      models: ['fake-gpt'],
    });
    expect(Date.parse(u.budget_reset_at ?? '') - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const explicit = (await createUser(t, {
      role: 'PROXY_ADMIN_VIEWER',
      max_budget: null,
      models: [],
    })) as unknown as User;
    expect(explicit).toMatchObject({
      role: 'proxy_admin_viewer',
      role_source: 'manual',
      max_budget: null,
      models: [],
    });
    expect(explicit.budget_duration).toBe('7d');
  });

  it('applies the same defaults when a user is created by a service path (SSO/SCIM use it)', async () => {
    const u = await t.write((tx) =>
      t.services.users.create(tx, { user_name: 'jit-user', source: 'sso:okta' }),
    );
    expect(u).toMatchObject({
      role: 'internal_user',
      max_budget: 10,
      budget_duration: '7d',
      models: ['fake-gpt'],
      source: 'sso:okta',
    });
  });

  it('treats email as unique without regard to case', async () => {
    await createUser(t, { email: 'grace@acme.com' });
    const err = expectError(
      await t.call({ method: 'POST', url: '/api/v1/users', payload: { email: 'GRACE@acme.com' } }),
      409,
      'conflict',
    );
    expect(err.message).toContain('grace@acme.com');
  });

  it('rejects bad input with 4xx and a machine-readable body, never a 500', async () => {
    const missing = expectError(
      await t.call({ method: 'POST', url: '/api/v1/users', payload: { role: 'internal_user' } }),
      422,
      'validation_failed',
    );
    expect(missing.details).toContainEqual(expect.objectContaining({ path: 'email' }));
    const badRole = expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'x@acme.com', role: 'superuser' },
      }),
      422,
      'validation_failed',
    );
    expect(badRole.message).toContain('proxy_admin');
    expectError(
      await t.call({ method: 'POST', url: '/api/v1/users', payload: { email: 'not-an-email' } }),
      422,
      'validation_failed',
    );
    const unknown = expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'y@acme.com', is_admin: true },
      }),
      422,
      'validation_failed',
    );
    expect(JSON.stringify(unknown.details)).toContain('is_admin');
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: '{"email":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'invalid_request',
    );
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: 'email=a@b.c',
        headers: { 'content-type': 'text/csv' },
      }),
      415,
      'unsupported_media_type',
    );
    const big = JSON.stringify({ email: 'z@acme.com', display_name: 'x'.repeat(1_100_000) });
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: big,
        headers: { 'content-type': 'application/json' },
      }),
      413,
      'payload_too_large',
    );
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/users?limit=0' }),
      422,
      'validation_failed',
    );
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/users?cursor=garbage' }),
      400,
      'invalid_request',
    );
    expectError(await t.call({ method: 'GET', url: '/api/v1/users/nope' }), 404, 'not_found');
    expectError(
      await t.call({
        method: 'PATCH',
        url: '/api/v1/users/nope',
        payload: { role: 'internal_user' },
      }),
      404,
      'not_found',
    );
    expectError(await t.call({ method: 'DELETE', url: '/api/v1/users/nope' }), 404, 'not_found');
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/nothing-here' }),
      404,
      'route_not_found',
    );
  });

  it('pages through users with a stable cursor and filters them', async () => {
    const domain = `page${Date.now()}.example`;
    const made: string[] = [];
    for (let i = 0; i < 5; i++)
      made.push(
        (await createUser(t, { email: `p${i}@${domain}`, role: 'internal_user_viewer' })).id,
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/v1/users?limit=2&role=internal_user_viewer${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { data: User[]; next_cursor: string | null } = expectStatus(
        await t.call({ method: 'GET', url }),
        200,
      );
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((u) => u.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 50);
    expect(seen.filter((id) => made.includes(id))).toEqual(made);
    expect(new Set(seen).size).toBe(seen.length);
    const byEmail = expectStatus<{ data: User[] }>(
      await t.call({ method: 'GET', url: `/api/v1/users?email=P3@${domain.toUpperCase()}` }),
      200,
    );
    expect(byEmail.data.map((u) => u.id)).toEqual([made[3]]);
  });

  it('updates a user and refuses to take another user’s email', async () => {
    const a = await createUser(t);
    const b = await createUser(t);
    const updated = expectStatus<User>(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${a.id}`,
        payload: { role: 'org_admin', max_budget: 50 },
      }),
      200,
    );
    expect(updated).toMatchObject({ role: 'org_admin', role_source: 'manual', max_budget: 50 });
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${a.id}`,
        payload: { email: String(b.email).toUpperCase() },
      }),
      409,
      'conflict',
    );
    expectError(
      await t.call({ method: 'PATCH', url: `/api/v1/users/${a.id}`, payload: { email: null } }),
      422,
      'validation_failed',
    );
  });

  it('deactivation blocks the user’s keys at once; reactivation restores only those', async () => {
    const u = await createUser(t, { role: 'internal_user' });
    const k1 = await createKey(t, { user_id: u.id });
    const k2 = await createKey(t, { user_id: u.id });
    expectStatus(
      await t.call({ method: 'PATCH', url: `/api/v1/keys/${k2.id}`, payload: { blocked: true } }),
      200,
    );
    expectStatus(await t.call({ method: 'GET', url: '/api/v1/me', auth: k1.key }), 200);

    expectStatus(
      await t.call({ method: 'PATCH', url: `/api/v1/users/${u.id}`, payload: { active: false } }),
      200,
    );
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: k1.key }),
      401,
      'user_inactive',
    );
    expectError(
      await t.call({ method: 'GET', url: '/v1/models', auth: k1.key }),
      401,
      'user_inactive',
    );
    const blocked = expectStatus<{ blocked: boolean; blocked_reason: string }>(
      await t.call({ method: 'GET', url: `/api/v1/keys/${k1.id}` }),
      200,
    );
    expect(blocked).toMatchObject({ blocked: true, blocked_reason: 'user_deactivated' });
    expectError(
      await t.call({ method: 'POST', url: '/api/v1/keys', payload: { user_id: u.id } }),
      422,
      'validation_failed',
    );

    expectStatus(
      await t.call({ method: 'PATCH', url: `/api/v1/users/${u.id}`, payload: { active: true } }),
      200,
    );
    expectStatus(await t.call({ method: 'GET', url: '/api/v1/me', auth: k1.key }), 200);
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: k2.key }),
      401,
      'key_blocked',
    );

    const audit = expectStatus<{ data: { action: string; after: Record<string, unknown> }[] }>(
      await t.call({ method: 'GET', url: `/api/v1/audit?target_type=user&target_id=${u.id}` }),
      200,
    );
    expect(audit.data.map((e) => e.action)).toEqual(
      expect.arrayContaining(['user.deactivated', 'user.reactivated']),
    );
    // Only the key this change blocked counts: k2 was already blocked by an admin.
    const counts = Object.fromEntries(
      audit.data
        .filter((e) => e.action === 'user.deactivated' || e.action === 'user.reactivated')
        .map((e) => [e.action, e.after.keys_affected]),
    );
    expect(counts).toEqual({ 'user.deactivated': 1, 'user.reactivated': 1 });
  });

  it('deleting a user deletes their keys and memberships', async () => {
    const team = await createTeam(t);
    const u = await createUser(t, { teams: [{ team_id: team.id }] });
    const k = await createKey(t, { user_id: u.id });
    expectStatus(await t.call({ method: 'DELETE', url: `/api/v1/users/${u.id}` }), 204);
    expectError(await t.call({ method: 'GET', url: `/api/v1/users/${u.id}` }), 404, 'not_found');
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: k.key }),
      401,
      'invalid_credentials',
    );
    const members = expectStatus<{ data: unknown[] }>(
      await t.call({ method: 'GET', url: `/api/v1/teams/${team.id}/members` }),
      200,
    );
    expect(members.data).toEqual([]);
  });

  it('creating a user with teams is all or nothing: one unknown team rolls everything back', async () => {
    const team = await createTeam(t);
    const email = `rollback${Date.now()}@acme.com`;
    const auditBefore = expectStatus<{ data: { id: number }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/audit?limit=1' }),
      200,
    );
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email, teams: [{ team_id: team.id }, { team_id: 'does-not-exist' }] },
      }),
      404,
      'not_found',
    );
    const found = expectStatus<{ data: unknown[] }>(
      await t.call({ method: 'GET', url: `/api/v1/users?email=${email}` }),
      200,
    );
    expect(found.data).toEqual([]);
    const members = expectStatus<{ data: unknown[] }>(
      await t.call({ method: 'GET', url: `/api/v1/teams/${team.id}/members` }),
      200,
    );
    expect(members.data).toEqual([]);
    const auditAfter = expectStatus<{ data: { id: number }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/audit?limit=1' }),
      200,
    );
    expect(auditAfter.data[0]?.id).toBe(auditBefore.data[0]?.id);
    // The same request without the bad team succeeds, so the failure above was the rollback.
    const ok = expectStatus<{ id: string }>(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email, teams: [{ team_id: team.id, role: 'admin' }] },
      }),
      201,
    );
    const detail = expectStatus<{ teams: { team_id: string; role: string }[] }>(
      await t.call({ method: 'GET', url: `/api/v1/users/${ok.id}` }),
      200,
    );
    expect(detail.teams).toEqual([expect.objectContaining({ team_id: team.id, role: 'admin' })]);
  });
});
