import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import {
  asUser,
  expectScim,
  expectScimError,
  PATCH_OP,
  type ScimRig,
  scimRig,
  USER_URN,
} from '../support/scim.js';

/**
 * What a SCIM client (or whoever holds its token) must not be able to do: take over accounts
 * it did not provision, reach another directory's people, grant Gatehouse roles, or break the
 * server with crafted input.
 */
describe.each(dialects())('SCIM attacks (%s)', (dialect) => {
  let r: ScimRig;
  let admin: { id: string; email: string };
  beforeAll(async () => {
    r = await scimRig(dialect);
    const email = `root.${dialect}@acme.com`;
    const u = await r.t.write((s) =>
      r.t.services.users.create(s, { email, user_name: `root-${dialect}`, role: 'proxy_admin' }),
    );
    admin = { id: u.id, email };
  });
  afterAll(async () => r?.close());

  const adminRow = () => r.t.services.users.get(admin.id);

  it("account takeover by email: a POST with an admin's email (as email or userName) is 409, the admin untouched", async () => {
    const before = await adminRow();
    for (const body of [
      {
        userName: `attacker.${dialect}@evil.com`,
        emails: [{ value: admin.email.toUpperCase(), primary: true }],
      },
      { userName: admin.email },
      { userName: `root-${dialect}` },
    ])
      expectScimError(
        await r.scim.send('POST', '/Users', { schemas: [USER_URN], ...body }),
        409,
        'uniqueness',
      );
    expect(await adminRow()).toEqual(before);
  });

  it("takeover by rename: a PATCH to an admin's login name is 409", async () => {
    const u = asUser(
      expectScim(
        await r.scim.send('POST', '/Users', {
          schemas: [USER_URN],
          userName: `mallory.${dialect}@acme.com`,
        }),
        201,
      ),
    );
    for (const value of [admin.email, `ROOT-${dialect}`])
      expectScimError(
        await r.scim.send('PATCH', `/Users/${u.id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', path: 'userName', value }],
        }),
        409,
        'uniqueness',
      );
    expectScimError(
      await r.scim.send('PATCH', `/Users/${u.id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'replace', path: 'emails', value: [{ value: admin.email, primary: true }] },
        ],
      }),
      409,
      'uniqueness',
    );
  });

  it('a SCIM token cannot read, change, deactivate or delete a user it did not provision', async () => {
    const before = await adminRow();
    const other = await r.newToken('Other directory');
    const theirs = asUser(
      expectScim(
        await other.client.send('POST', '/Users', {
          schemas: [USER_URN],
          userName: `theirs.${dialect}@acme.com`,
        }),
        201,
      ),
    );
    for (const id of [admin.id, theirs.id]) {
      expectScimError(await r.scim.send('GET', `/Users/${id}`), 404);
      expectScimError(
        await r.scim.send('PUT', `/Users/${id}`, { schemas: [USER_URN], userName: 'x@evil.com' }),
        404,
      );
      expectScimError(
        await r.scim.send('PATCH', `/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', path: 'active', value: false }],
        }),
        404,
      );
      expectScimError(await r.scim.send('DELETE', `/Users/${id}`), 404);
    }
    const all = expectScim(await r.scim.send('GET', '/Users?count=1000'), 200);
    expect(all.Resources?.map((u) => u.id)).not.toContain(admin.id);
    expect(all.Resources?.map((u) => u.id)).not.toContain(theirs.id);
    expect(await adminRow()).toEqual(before);
    expect((await r.t.services.users.get(theirs.id)).active).toBe(true);
  });

  it('privilege: SCIM roles and made-up role attributes grant no Gatehouse role', async () => {
    const u = asUser(
      expectScim(
        await r.scim.send('POST', '/Users', {
          schemas: [USER_URN],
          userName: `climber.${dialect}@acme.com`,
          roles: [{ value: 'proxy_admin', primary: true }],
          role: 'proxy_admin',
          user_role: 'proxy_admin',
          source: 'manual',
        }),
        201,
      ),
    );
    await r.scim.send('PATCH', `/Users/${u.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'add', value: { role: 'proxy_admin', roles: [{ value: 'proxy_admin' }] } },
      ],
    });
    const stored = await r.t.services.users.get(u.id);
    expect(stored.role).toBe('internal_user_viewer');
    expect(stored.source).toBe(`scim:${r.tokenId}`);
  });

  it('a SCIM token is no management credential', async () => {
    const res = await r.t.call({ method: 'GET', url: '/api/v1/users', auth: r.scim.token });
    expect(res.statusCode).toBe(401);
    const models = await fetch(`${r.origin}/v1/models`, {
      headers: { authorization: `Bearer ${r.scim.token}` },
    });
    expect(models.status).toBe(401);
  });

  it('SQL injection in a filter value is a value: no match, nothing dropped', async () => {
    const res = await r.scim.send(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "x' or 1=1; drop table users; --"`)}`,
    );
    expect(expectScim(res, 200).totalResults).toBe(0);
    const hostile = await r.scim.send(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "a") or (1=1')}`,
    );
    expect(hostile.status).toBe(400);
    expect((await adminRow()).id).toBe(admin.id);
  });

  it('filter bombs are refused quickly with invalidFilter', async () => {
    const deep = `${'('.repeat(5000)}userName eq "a"${')'.repeat(5000)}`;
    const many = Array.from({ length: 500 }, (_, i) => `userName eq "u${i}"`).join(' or ');
    for (const f of [deep, many]) {
      const started = performance.now();
      const res = await r.scim.send('POST', '/Users/.search', { filter: f });
      expectScimError(res, 400, 'invalidFilter');
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });

  it('prototype pollution through a SCIM body is refused', async () => {
    const res = await r.scim.send(
      'POST',
      '/Users',
      `{"schemas":["${USER_URN}"],"userName":"p.${dialect}@acme.com","__proto__":{"active":false}}`,
    );
    expectScimError(res, 400, 'invalidSyntax');
    expect(({} as Record<string, unknown>).active).toBeUndefined();
  });
});
