import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword, SCRYPT_PARAMS, storedParams } from '../../src/access/passwords.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectStatus } from '../support/json.js';

/** What Gatehouse stored before raising the cost to OWASP's minimum. */
const PREVIOUS = { N: 2 ** 15, r: 8, p: 1 };
const PASSWORD = 'correct horse battery staple';

describe.each(dialects())('rehash on login after the scrypt cost was raised (%s)', (dialect) => {
  let t: TestApp;
  let userId: string;

  const login = () =>
    t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'legacy@acme.com', password: PASSWORD },
    });
  const storedHash = async () =>
    (
      await t.db.kysely
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', userId)
        .executeTakeFirstOrThrow()
    ).password_hash ?? '';

  beforeEach(async () => {
    // The production cost: this test is about the parameters.
    t = await testApp(dialect);
    const user = expectStatus<{ id: string }>(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'legacy@acme.com', role: 'proxy_admin' },
      }),
      201,
    );
    userId = user.id;
    // A row as the previous release left it.
    await t.db.kysely
      .updateTable('users')
      .set({ password_hash: await hashPassword(PASSWORD, PREVIOUS) })
      .where('id', '=', userId)
      .execute();
  });
  afterEach(async () => {
    await t.close();
  });

  it('a user with an old-parameter hash logs in; the hash is redone at the new cost, no session ends', async () => {
    const before = await storedHash();
    const earlier = await t.services.sessions.create(userId, 'password', {});

    expectStatus(await login(), 200);
    const after = await storedHash();
    expect(after).not.toBe(before);
    expect(storedParams(after)).toEqual(SCRYPT_PARAMS);

    // The same password still works, and a current hash is left alone.
    expectStatus(await login(), 200);
    expect(await storedHash()).toBe(after);

    // Neither the session from before nor the one the first login made was revoked.
    expect((await t.services.sessions.resolve(earlier.secret)).ok).toBe(true);
    const revoked = await t.db.kysely
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', userId)
      .where('revoked_at', 'is not', null)
      .execute();
    expect(revoked).toEqual([]);

    const audit = expectStatus<{
      data: { actor: { id: string }; before: unknown; after: unknown }[];
    }>(
      await t.call({
        method: 'GET',
        url: `/api/v1/audit?action=user.password_rehashed&target_id=${userId}`,
      }),
      200,
    );
    expect(audit.data).toHaveLength(1);
    expect(audit.data[0]?.actor.id).toBe(userId);
    expect(audit.data[0]?.before).toEqual({ hashing: 'scrypt N=32768 r=8 p=1' });
    expect(audit.data[0]?.after).toEqual({ hashing: 'scrypt N=131072 r=8 p=1' });
    expect(JSON.stringify(audit.data)).not.toContain(after);
    const setEvents = expectStatus<{ data: unknown[] }>(
      await t.call({
        method: 'GET',
        url: `/api/v1/audit?action=user.password_set&target_id=${userId}`,
      }),
      200,
    );
    expect(setEvents.data).toEqual([]);
  });

  it('a wrong password never rewrites the hash', async () => {
    const before = await storedHash();
    const res = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'legacy@acme.com', password: 'not the password at all' },
    });
    expect(res.statusCode).toBe(401);
    expect(await storedHash()).toBe(before);
  });

  it('a rehash never overwrites a password that changed after the login read the old hash', async () => {
    const stale = await storedHash();
    const changed = await hashPassword('a brand new password', { N: 2 ** 10, r: 8, p: 1 });
    await t.write((s) => t.services.users.setPassword(s, userId, changed));
    const swapped = await t.write((s) =>
      t.services.users.rehashPassword(s, userId, {
        from: stale,
        to: 'scrypt$131072$8$1$c2FsdA$a2V5',
        fromParams: 'scrypt N=32768 r=8 p=1',
        toParams: 'scrypt N=131072 r=8 p=1',
      }),
    );
    expect(swapped).toBe(false);
    expect(await storedHash()).toBe(changed);
  });
});
