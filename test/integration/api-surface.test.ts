import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { createUser, userWithKey } from '../support/seed.js';

/**
 * Rules that hold on every /api/v1 route, walked over the routes the app declared (so a route
 * added later is covered without touching this file).
 */
describe.each(dialects())('every /api/v1 route (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(() => t.close());

  const url = (route: string) =>
    route.replace(':userId', 'no-such-user').replace(':id', 'no-such-id');
  const writes = () =>
    t.routes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method));

  it('refuses a text/plain body with 415 unsupported_media_type, on every write route', async () => {
    expect(writes().length).toBeGreaterThan(10);
    for (const r of writes()) {
      const res = await t.call({
        method: r.method as 'POST',
        url: url(r.url),
        headers: { 'content-type': 'text/plain' },
        payload: '{"name":"x"}',
      });
      expect({ route: `${r.method} ${r.url}`, status: res.statusCode }).toEqual({
        route: `${r.method} ${r.url}`,
        status: 415,
      });
      expect(res.json()).toEqual({
        error: { code: 'unsupported_media_type', message: 'Send the body as application/json.' },
      });
    }
  });

  it('refuses form and XML bodies with 415 too', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'application/xml', 'text/csv']) {
      const res = await t.call({
        method: 'POST',
        url: '/api/v1/teams',
        headers: { 'content-type': type },
        payload: 'name=x',
      });
      expect(res.statusCode).toBe(415);
      expect(res.json().error.code).toBe('unsupported_media_type');
    }
  });

  it('refuses an unknown query parameter with 422 naming it, on every route', async () => {
    for (const r of t.routes) {
      const res = await t.call({
        method: r.method as 'GET',
        url: `${url(r.url)}?frobnicate=1`,
        ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }),
      });
      const route = `${r.method} ${r.url}`;
      expect({ route, status: res.statusCode }).toEqual({ route, status: 422 });
      const error = res.json().error;
      expect(error.code).toBe('validation_failed');
      expect(error.message).toMatch(/^Unknown query parameter "frobnicate": it takes /);
      expect(error.details).toEqual([{ path: 'frobnicate', message: 'unknown query parameter' }]);
    }
  });

  it('says which parameters a route takes', async () => {
    const res = await t.call({ method: 'GET', url: '/api/v1/teams?nmae=x&limit=5' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toBe(
      'Unknown query parameter "nmae": it takes limit, cursor, name, organization_id, external_id.',
    );
    const me = await t.call({ method: 'GET', url: '/api/v1/me?verbose=1' });
    expect(me.json().error.message).toBe('Unknown query parameter "verbose": it takes none.');
  });

  it('checks the permission first: a refused caller gets 403, not the 422', async () => {
    const viewer = await userWithKey(t, 'internal_user_viewer');
    const res = await t.call({
      method: 'GET',
      url: '/api/v1/audit?frobnicate=1',
      auth: viewer.key,
    });
    expect(res.statusCode).toBe(403);
  });

  it('still validates the values of declared parameters', async () => {
    const res = await t.call({ method: 'GET', url: '/api/v1/users?limit=0' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details[0].path).toBe('limit');
  });

  it('stores a budget_duration in its canonical spelling and refuses one with a space inside', async () => {
    const made = await t.call({
      method: 'POST',
      url: '/api/v1/teams',
      payload: { name: 'durations', budget_duration: ' 30d ' },
    });
    expect(made.statusCode).toBe(201);
    expect(made.json().budget_duration).toBe('30d');
    const id = made.json().id as string;
    for (const [url, method] of [
      [`/api/v1/teams/${id}`, 'PATCH'],
      ['/api/v1/keys', 'POST'],
      ['/api/v1/users', 'POST'],
    ] as const) {
      const res = await t.call({
        method,
        url,
        payload: {
          budget_duration: '30 d',
          ...(url === '/api/v1/users' ? { email: 'd@acme.com' } : {}),
        },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details).toEqual([
        {
          path: 'budget_duration',
          message: 'must be a duration like 30s, 15m, 24h, 30d, 1w or 1mo, without spaces',
        },
      ]);
    }
    const patched = await t.call({
      method: 'PATCH',
      url: `/api/v1/teams/${id}`,
      payload: { budget_duration: '\t1mo ' },
    });
    expect(patched.json().budget_duration).toBe('1mo');
  });

  it('finds a user by user_name, case-insensitively (the README recovery path)', async () => {
    const u = await createUser(t, { user_name: 'Recovery.Admin' });
    await createUser(t, { user_name: 'someone-else' });
    const res = await t.call({ method: 'GET', url: '/api/v1/users?user_name=recovery.admin' });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.map((x: { id: string }) => x.id)).toEqual([u.id]);
  });
});

describe.each(dialects())('a key in the query string (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(() => t.close());

  it.each([
    ['/api/v1/me', 'key'],
    ['/api/v1/users', 'api_key'],
    ['/api/v1/keys', 'access_token'],
    ['/api/v1/me', 'token'],
  ])('attack: GET %s?%s=<key> is refused with 400, even with a valid header', async (path, p) => {
    const res = await t.call({ method: 'GET', url: `${path}?${p}=sk-leaked-in-url` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({
      code: 'invalid_request',
      message: `Do not send a key in the URL (query parameter "${p}"): URLs end up in logs. Send it as "Authorization: Bearer <key>".`,
    });
  });

  it('attack: the gateway refuses /v1/models?api_key= in the OpenAI error shape', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/models?api_key=sk-leaked', auth: null });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('Authorization: Bearer <key>');
  });
});
