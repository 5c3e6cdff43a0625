import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/keys/secret.js';
import { MASTER_KEY } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
import {
  asGroup,
  asUser,
  expectScim,
  expectScimError,
  GROUP_URN,
  type ScimRig,
  scimClient,
  scimRig,
  USER_URN,
} from '../support/scim.js';

/**
 * SCIM tokens are service principals: made by a proxy admin, shown once, stored as a SHA-256,
 * several at once, each the actor of its audit events and (through its directory) the source
 * of what it provisions. Revoked or wrong tokens are 401 in SCIM's shape.
 */
describe.each(dialects())('SCIM tokens (%s)', (dialect) => {
  let r: ScimRig;
  let now = Date.parse('2024-06-01T10:00:00Z');
  beforeAll(async () => {
    r = await scimRig(dialect, {}, { now: () => new Date(now) });
  });
  afterAll(async () => r?.close());

  const tokens = async () =>
    expectStatus<{ data: Record<string, unknown>[] }>(
      await r.t.call({ method: 'GET', url: '/api/v1/scim/tokens' }),
      200,
    ).data;

  it('POST answers exactly {id, name, token}; only the hash is stored; GET never shows the secret', async () => {
    const res = await r.t.call({
      method: 'POST',
      url: '/api/v1/scim/tokens',
      payload: { name: 'Entra' },
    });
    const body = expectStatus<{ id: string; name: string; token: string }>(res, 201);
    expect(Object.keys(body).sort()).toEqual(['id', 'name', 'token']);
    expect(body.name).toBe('Entra');
    expect(body.token).toMatch(/^scim-gh-[A-Za-z0-9_-]{43}$/);
    const row = await r.t.db.kysely
      .selectFrom('scim_tokens')
      .selectAll()
      .where('id', '=', body.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashSecret(body.token));
    expect(JSON.stringify(row)).not.toContain(body.token);
    const listed = JSON.stringify(await tokens());
    expect(listed).not.toContain(body.token);
    expect(listed).not.toContain(row.token_hash);
    expect(listed).toContain(`scim-gh-…${body.token.slice(-4)}`);
    const audit = await r.t.call({
      method: 'GET',
      url: `/api/v1/audit?action=scim_token.created&target_id=${body.id}`,
    });
    expect(audit.body).not.toContain(body.token);
  });

  it('bad bodies are 422, and only proxy admins may make tokens', async () => {
    expectError(
      await r.t.call({ method: 'POST', url: '/api/v1/scim/tokens', payload: {} }),
      422,
      'validation_failed',
    );
    expectError(
      await r.t.call({
        method: 'POST',
        url: '/api/v1/scim/tokens',
        payload: { name: 'x', scope: 'all' },
      }),
      422,
      'validation_failed',
    );
    expectError(
      await r.t.call({
        method: 'POST',
        url: '/api/v1/scim/tokens',
        payload: { name: 'x', rotates: 'nope' },
      }),
      404,
      'not_found',
    );
    const viewer = await r.t.write((s) =>
      r.t.services.users.create(s, { email: `v.${dialect}@acme.com`, role: 'proxy_admin_viewer' }),
    );
    const key = await r.t.write((s) =>
      r.t.services.keys.create(s, { user_id: viewer.id, purpose: 'management' }),
    );
    expectError(
      await r.t.call({
        method: 'POST',
        url: '/api/v1/scim/tokens',
        auth: key.key,
        payload: { name: 'x' },
      }),
      403,
      'forbidden',
    );
    expectStatus(await r.t.call({ method: 'GET', url: '/api/v1/scim/tokens', auth: key.key }), 200);
  });

  it('wrong, missing and revoked tokens are 401 in SCIM shape; the master key and API keys are no SCIM tokens', async () => {
    const base = r.scim.baseUrl;
    expectScimError(await scimClient(base, 'scim-gh-wrong').send('GET', '/Users'), 401);
    expectScimError(await r.scim.send('GET', '/Users', undefined, { authorization: '' }), 401);
    expectScimError(await scimClient(base, MASTER_KEY).send('GET', '/Users'), 401);
    const admin = await r.t.write((s) =>
      r.t.services.users.create(s, { email: `a.${dialect}@acme.com`, role: 'proxy_admin' }),
    );
    const apiKey = await r.t.write((s) =>
      r.t.services.keys.create(s, { user_id: admin.id, purpose: 'management' }),
    );
    expectScimError(await scimClient(base, apiKey.key).send('GET', '/Users'), 401);
    const res = await r.scim.send('GET', '/Users', undefined, {
      authorization: 'Basic dXNlcjpwYXNz',
    });
    expectScimError(res, 401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');

    const doomed = await r.newToken('Doomed');
    expectScim(await doomed.client.send('GET', '/Users'), 200);
    expect(
      (await r.t.call({ method: 'DELETE', url: `/api/v1/scim/tokens/${doomed.id}` })).statusCode,
    ).toBe(204);
    const e = expectScimError(await doomed.client.send('GET', '/Users'), 401);
    expect(e.detail).toMatch(/revoked/);
    expect((await tokens()).find((t) => t.id === doomed.id)?.revoked_at).toBeTruthy();
    expect(
      (await r.t.call({ method: 'DELETE', url: `/api/v1/scim/tokens/${doomed.id}` })).statusCode,
    ).toBe(204);
    expectError(
      await r.t.call({ method: 'DELETE', url: '/api/v1/scim/tokens/nope' }),
      404,
      'not_found',
    );
  });

  it('last_used_at moves at most once a minute, on the injected clock', async () => {
    const t = await r.newToken('Clock');
    const lastUsed = async () => (await tokens()).find((x) => x.id === t.id)?.last_used_at;
    expect(await lastUsed()).toBeNull();
    await t.client.send('GET', '/Users');
    const first = await lastUsed();
    expect(first).toBe(new Date(now).toISOString());
    now += 30_000;
    await t.client.send('GET', '/Users');
    expect(await lastUsed()).toBe(first);
    now += 31_000;
    await t.client.send('GET', '/Users');
    expect(await lastUsed()).toBe(new Date(now).toISOString());
  });

  it('several tokens at once: each is the actor of its writes and the source of its own directory', async () => {
    const okta = await r.newToken('Okta B');
    const entra = await r.newToken('Entra B');
    const a = asUser(
      expectScim(
        await okta.client.send('POST', '/Users', {
          schemas: [USER_URN],
          userName: `okta-b.${dialect}@acme.com`,
        }),
        201,
      ),
    );
    const b = asUser(
      expectScim(
        await entra.client.send('POST', '/Users', {
          schemas: [USER_URN],
          userName: `entra-b.${dialect}@acme.com`,
        }),
        201,
      ),
    );
    expect((await r.t.services.users.get(a.id)).source).toBe(`scim:${okta.id}`);
    expect((await r.t.services.users.get(b.id)).source).toBe(`scim:${entra.id}`);
    const audit = expectStatus<{ data: { actor: { type: string; id: string } }[] }>(
      await r.t.call({ method: 'GET', url: `/api/v1/audit?target_id=${a.id}&action=user.created` }),
      200,
    );
    expect(audit.data[0]?.actor).toMatchObject({ type: 'scim', id: `scim:${okta.id}` });
    // A directory sees only its own users.
    expectScimError(await entra.client.send('GET', `/Users/${a.id}`), 404);
    const list = expectScim(
      await entra.client.send('GET', `/Users?filter=userName eq "okta-b.${dialect}@acme.com"`),
      200,
    );
    expect(list.totalResults).toBe(0);
  });

  it('rotation without downtime: the successor works alongside, keeps the directory, and the old one can go', async () => {
    const first = await r.newToken('Rotating');
    const u = asUser(
      expectScim(
        await first.client.send('POST', '/Users', {
          schemas: [USER_URN],
          userName: `rot.${dialect}@acme.com`,
        }),
        201,
      ),
    );
    const g = asGroup(
      expectScim(
        await first.client.send('POST', '/Groups', {
          schemas: [GROUP_URN],
          displayName: `rot-${dialect}`,
          members: [{ value: u.id }],
        }),
        201,
      ),
    );
    const next = await r.newToken('Rotating (new)', first.id);
    expectScim(await first.client.send('GET', `/Users/${u.id}`), 200);
    expectScim(await next.client.send('GET', `/Users/${u.id}`), 200);
    await r.t.call({ method: 'DELETE', url: `/api/v1/scim/tokens/${first.id}` });
    expectScimError(await first.client.send('GET', `/Users/${u.id}`), 401);
    // The new token removes the member the old one added: same source, so it really goes.
    expect(
      (
        await next.client.send('PATCH', `/Groups/${g.id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'remove', path: `members[value eq "${u.id}"]` }],
        })
      ).status,
    ).toBe(204);
    expect(await r.t.services.memberships.listTeamMembers(g.id)).toEqual([]);
    const listed = await tokens();
    expect(listed.find((t) => t.id === next.id)?.directory_id).toBe(first.id);
  });
});
