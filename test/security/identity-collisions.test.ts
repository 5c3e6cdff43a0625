import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSignIn } from '../../src/sso/login.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
import { createUser } from '../support/seed.js';

/**
 * Login names and emails are one namespace: `POST /auth/login` takes either, so a user name
 * equal to someone else's email would sign in as the wrong person, or let whoever chose it lock
 * the other person out of email login.
 */
describe.each(dialects())('login name and email collisions (%s)', (dialect) => {
  let t: TestApp;
  let boss: { id: string };
  beforeAll(async () => {
    t = await testApp(dialect, {
      sso: {
        connections: [
          {
            id: 'okta',
            type: 'oidc',
            issuer: 'https://acme.okta.com',
            client_id: 'x',
            email_domains: ['acme.com'],
          },
        ],
      },
    });
    boss = await createUser(t, {
      email: 'Boss@Acme.com',
      role: 'proxy_admin',
      password: 'correct horse battery',
    });
  });
  afterAll(async () => t.close());

  it("a new user's user_name may not be someone else's email, in any case", async () => {
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'mallory@acme.com', user_name: 'bOSS@acme.COM' },
      }),
      409,
      'conflict',
    );
  });

  it("a new user's email may not be someone else's user_name", async () => {
    const named = await createUser(t, { email: 'carol@acme.com', user_name: 'carol@corp.example' });
    expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'Carol@Corp.example' },
      }),
      409,
      'conflict',
    );
    expect(named.id).toBeTruthy();
  });

  it('an update cannot take another person’s email as user name, nor their user name as email', async () => {
    const m = await createUser(t, { email: 'm@acme.com' });
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${m.id}`,
        payload: { user_name: 'boss@acme.com' },
      }),
      409,
      'conflict',
    );
    await createUser(t, { email: 'dave@acme.com', user_name: 'dave.admin@acme.com' });
    expectError(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${m.id}`,
        payload: { email: 'DAVE.admin@acme.com' },
      }),
      409,
      'conflict',
    );
    // One's own email as one's own user name is fine.
    expectStatus(
      await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${m.id}`,
        payload: { user_name: 'M@acme.com' },
      }),
      200,
    );
  });

  it('the email still signs in the account it belongs to', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/auth/login',
      auth: null,
      payload: { username: 'boss@acme.com', password: 'correct horse battery' },
    });
    expect(expectStatus<{ user: { id: string } }>(res, 200).user.id).toBe(boss.id);
  });

  it('a sign-in whose email is another account’s user name is not merged into it', async () => {
    await createUser(t, { email: 'erin@acme.com', user_name: 'erin.sso@acme.com' });
    const conn = t.config.sso.connections[0];
    if (!conn) throw new Error('no connection');
    const err = await completeSignIn(t.services.signIn, conn, {
      subject: '00u-erin',
      email: 'erin.sso@acme.com',
      emailVerified: true,
      userName: null,
      displayName: null,
      givenName: null,
      familyName: null,
      groups: [],
      groupsComplete: true,
      claims: {},
      roles: [],
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'conflict' });
  });
});
