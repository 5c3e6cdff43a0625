import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';
import { SCIM_JSON, USER_URN } from '../support/scim.js';

/**
 * PostgreSQL cannot store a NUL character (U+0000) in text. Any string carrying one — in a body,
 * a query filter or a path id, even on the unauthenticated sign-in — used to reach the database
 * and come back as a 500 there (SQLite stored it). Now every surface refuses it up front with
 * the same 400 on both databases.
 */
describe.each(dialects())('NUL characters in input (%s)', (dialect) => {
  let t: TestApp;
  let scimToken: string;

  beforeAll(async () => {
    t = await testApp(dialect);
    scimToken = expectStatus<{ token: string }>(
      await t.call({ method: 'POST', url: '/api/v1/scim/tokens', payload: { name: 'okta' } }),
      201,
    ).token;
  });
  afterAll(async () => t.close());

  const NUL = 'a\u0000b';

  it('the management API answers 400 invalid_request for bodies, queries and path ids', async () => {
    const attempts: { method: 'GET' | 'POST'; url: string; payload?: object }[] = [
      { method: 'POST', url: '/api/v1/users', payload: { email: 'n1@acme.com', user_name: NUL } },
      {
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'n2@acme.com', display_name: NUL },
      },
      { method: 'POST', url: '/api/v1/teams', payload: { name: NUL } },
      { method: 'POST', url: '/api/v1/organizations', payload: { name: NUL } },
      { method: 'POST', url: '/api/v1/keys', payload: { name: NUL } },
      { method: 'POST', url: '/api/v1/scim/tokens', payload: { name: NUL } },
      { method: 'POST', url: '/api/v1/teams', payload: { name: 'ok', [NUL]: 1 } },
      { method: 'GET', url: '/api/v1/users?email=a%00b' },
      { method: 'GET', url: '/api/v1/teams?name=a%00b' },
      { method: 'GET', url: '/api/v1/keys?user_id=a%00b' },
      { method: 'GET', url: '/api/v1/spend?model=a%00b' },
      { method: 'GET', url: '/api/v1/users/a%00b' },
      { method: 'GET', url: '/api/v1/keys/a%00b' },
    ];
    for (const a of attempts) {
      const err = expectError(await t.call(a), 400, 'invalid_request');
      expect(err.message).toContain('NUL');
    }
    // Nothing was written.
    const users = expectStatus<{ data: { email: string }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/users' }),
      200,
    ).data;
    expect(users.some((u) => u.email.startsWith('n'))).toBe(false);
  });

  it('a caller without rights still gets 401 first, and the guard after', async () => {
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/users?email=a%00b', auth: null }),
      401,
      'unauthenticated',
    );
  });

  it('the unauthenticated sign-in answers 400, not 500', async () => {
    const err = expectError(
      await t.call({
        method: 'POST',
        url: '/auth/login',
        auth: null,
        payload: { username: NUL, password: 'whatever-password' },
      }),
      400,
      'invalid_request',
    );
    expect(err.message).toContain('NUL');
  });

  it('SCIM answers 400 in its own error shape', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/scim/v2/Users',
      auth: scimToken,
      headers: { 'content-type': SCIM_JSON },
      payload: JSON.stringify({ schemas: [USER_URN], userName: NUL }),
    });
    const body = expectStatus<{ status: string; detail: string }>(res, 400);
    expect(body.status).toBe('400');
    expect(body.detail).toContain('NUL');
    const filtered = await t.call({
      method: 'GET',
      url: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${NUL}"`)}`,
      auth: scimToken,
    });
    expectStatus(filtered, 400);
  });
});
