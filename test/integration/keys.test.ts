import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
import { createKey, createTeam, createUser, userWithKey } from '../support/seed.js';

interface Key {
  id: string;
  key?: string;
  key_preview: string;
  models: string[];
  blocked: boolean;
  expires_at: string | null;
}

describe.each(dialects())('virtual keys (%s)', (dialect) => {
  let t: TestApp;
  let clock = Date.now();
  beforeAll(async () => {
    t = await testApp(dialect, {}, { now: () => new Date(clock) });
  });
  afterAll(async () => t.close());

  it('shows the secret once and stores only its SHA-256: the database never holds it in clear', async () => {
    const u = await createUser(t, { role: 'internal_user' });
    const created = await createKey(t, { user_id: u.id, name: 'laptop' });
    expect(created.key).toMatch(/^sk-gh-[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ key_preview: `sk-gh-…${created.key.slice(-4)}` });

    const row = await t.db.kysely
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(createHash('sha256').update(created.key).digest('hex'));

    // Every text column of every table: the secret (or its random part) appears nowhere.
    const secretPart = created.key.slice('sk-gh-'.length);
    const tables = [
      'users',
      'teams',
      'organizations',
      'api_keys',
      'audit_events',
      'settings',
      'identities',
      'team_memberships',
      'org_memberships',
    ] as const;
    for (const table of tables) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(
        t.db.kysely,
      );
      expect(JSON.stringify(rows.rows)).not.toContain(secretPart);
    }

    const fetched = expectStatus<Key>(
      await t.call({ method: 'GET', url: `/api/v1/keys/${created.id}` }),
      200,
    );
    expect(fetched.key).toBeUndefined();
    const list = expectStatus<{ data: Key[] }>(
      await t.call({ method: 'GET', url: `/api/v1/keys?user_id=${u.id}` }),
      200,
    );
    expect(list.data.map((k) => k.id)).toEqual([created.id]);
    expect(JSON.stringify(list)).not.toContain(secretPart);
  });

  it('authenticates with Bearer and with the Azure api-key header; rejects wrong keys', async () => {
    const { key } = await userWithKey(t, 'internal_user');
    expectStatus(await t.call({ method: 'GET', url: '/v1/models', auth: key }), 200);
    expectStatus(
      await t.call({ method: 'GET', url: '/v1/models', auth: null, headers: { 'api-key': key } }),
      200,
    );
    expectError(
      await t.call({ method: 'GET', url: '/v1/models', auth: `${key}x` }),
      401,
      'invalid_credentials',
    );
    expectError(
      await t.call({ method: 'GET', url: '/v1/models', auth: null }),
      401,
      'unauthenticated',
    );
    const res = await t.call({ method: 'GET', url: '/v1/models', auth: 'nope' });
    expect(JSON.parse(res.body)).toMatchObject({
      error: { type: 'authentication_error', code: 'invalid_credentials' },
    });
  });

  it('blocks, unblocks, expires and deletes keys, effective on the very next request', async () => {
    const { key, keyId } = await userWithKey(t, 'internal_user');
    expectStatus(
      await t.call({ method: 'PATCH', url: `/api/v1/keys/${keyId}`, payload: { blocked: true } }),
      200,
    );
    expectError(await t.call({ method: 'GET', url: '/v1/models', auth: key }), 401, 'key_blocked');
    expectStatus(
      await t.call({ method: 'PATCH', url: `/api/v1/keys/${keyId}`, payload: { blocked: false } }),
      200,
    );
    expectStatus(await t.call({ method: 'GET', url: '/v1/models', auth: key }), 200);

    const expires = new Date(clock + 60_000).toISOString();
    expectStatus(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/keys/${keyId}`,
        payload: { expires_at: expires },
      }),
      200,
    );
    expectStatus(await t.call({ method: 'GET', url: '/v1/models', auth: key }), 200);
    clock += 61_000;
    expectError(await t.call({ method: 'GET', url: '/v1/models', auth: key }), 401, 'key_expired');

    expectStatus(await t.call({ method: 'DELETE', url: `/api/v1/keys/${keyId}` }), 204);
    expectError(
      await t.call({ method: 'GET', url: '/v1/models', auth: key }),
      401,
      'invalid_credentials',
    );
    expectError(await t.call({ method: 'DELETE', url: `/api/v1/keys/${keyId}` }), 404, 'not_found');
  });

  it('validates key requests: owners must exist, be active and belong to the team; models within the team', async () => {
    const team = await createTeam(t, { models: ['fake-gpt'] });
    const member = await createUser(t, { teams: [{ team_id: team.id }] });
    const outsider = await createUser(t);
    expectError(
      await t.call({ method: 'POST', url: '/api/v1/keys', payload: { user_id: 'ghost' } }),
      422,
      'validation_failed',
    );
    expectError(
      await t.call({ method: 'POST', url: '/api/v1/keys', payload: { team_id: 'ghost' } }),
      422,
      'validation_failed',
    );
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/keys',
        payload: { user_id: outsider.id, team_id: team.id },
      }),
      422,
      'validation_failed',
    );
    const models = expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/keys',
        payload: { user_id: member.id, team_id: team.id, models: ['fake-gpt', 'gpt-4o'] },
      }),
      422,
      'validation_failed',
    );
    expect(models.message).toContain('gpt-4o');
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/keys',
        payload: { expires_at: new Date(clock - 1000).toISOString() },
      }),
      422,
      'validation_failed',
    );
    expectError(
      await t.call({ method: 'POST', url: '/api/v1/keys', payload: { expires_at: 'tomorrow' } }),
      422,
      'validation_failed',
    );
    const ok = await createKey(t, { user_id: member.id, team_id: team.id, models: ['fake-gpt'] });
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/keys/${ok.id}`,
        payload: { models: ['other'] },
      }),
      422,
      'validation_failed',
    );
  });

  it('lists only the models a key may use: key, then team, then user restriction', async () => {
    const restricted = await createKey(t, { models: ['not-configured'] });
    const list = expectStatus<{ data: { id: string }[] }>(
      await t.call({ method: 'GET', url: '/v1/models', auth: restricted.key }),
      200,
    );
    expect(list.data).toEqual([]);
    const open = await createKey(t, {});
    const all = expectStatus<{ data: { id: string }[] }>(
      await t.call({ method: 'GET', url: '/models', auth: open.key }),
      200,
    );
    expect(all.data.map((m) => m.id)).toEqual(['fake-gpt']);
  });

  it('gives a key exactly its owner’s role on the management API', async () => {
    const admin = await userWithKey(t, 'proxy_admin');
    const viewer = await userWithKey(t, 'proxy_admin_viewer');
    const user = await userWithKey(t, 'internal_user');
    expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/teams',
        payload: { name: 'by-admin-key' },
        auth: admin.key,
      }),
      201,
    );
    expectStatus(await t.call({ method: 'GET', url: '/api/v1/teams', auth: viewer.key }), 200);
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/teams',
        payload: { name: 'by-viewer' },
        auth: viewer.key,
      }),
      403,
      'forbidden',
    );
    const visible = expectStatus<{ data: { id: string }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/users', auth: user.key }),
      200,
    );
    expect(visible.data.map((u) => u.id)).toEqual([user.user.id]);
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'n@acme.com' },
        auth: user.key,
      }),
      403,
      'forbidden',
    );
    const me = expectStatus<{ role: string; user: { id: string } }>(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: user.key }),
      200,
    );
    expect(me).toMatchObject({ role: 'internal_user', user: { id: user.user.id } });
    // Demoting the owner demotes the key at once.
    expectStatus(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${admin.user.id}`,
        payload: { role: 'internal_user' },
      }),
      200,
    );
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/teams',
        payload: { name: 'after-demotion' },
        auth: admin.key,
      }),
      403,
      'forbidden',
    );
  });

  it('audits key changes without ever recording the secret', async () => {
    const created = await createKey(t, { name: 'audited' });
    const audit = expectStatus<{ data: { action: string; after: Record<string, unknown> }[] }>(
      await t.call({ method: 'GET', url: `/api/v1/audit?target_type=key&target_id=${created.id}` }),
      200,
    );
    expect(audit.data.map((e) => e.action)).toEqual(['key.created']);
    expect(audit.data[0]?.after).toMatchObject({
      name: 'audited',
      key_preview: created.key_preview,
    });
    expect(JSON.stringify(audit)).not.toContain(created.key.slice(6));
  });
});
