import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectStatus } from '../support/json.js';

/** Each surface answers every failure in its own wire shape, Fastify's and the router's included. */
describe.each(dialects())('error shapes per surface (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(async () => t.close());

  const apiShape = (body: string) => {
    const b = JSON.parse(body) as { error: Record<string, unknown> };
    expect(Object.keys(b.error).sort()).toEqual(expect.arrayContaining(['code', 'message']));
    expect(b.error).not.toHaveProperty('type');
    return b.error;
  };
  const openAiShape = (body: string) => {
    const b = JSON.parse(body) as { error: Record<string, unknown> };
    expect(b.error).toHaveProperty('type');
    expect(b.error).toHaveProperty('param');
    return b.error;
  };

  it('ids of up to 200 characters work in paths; longer ones get 414 in the API shape', async () => {
    const id200 = 'x'.repeat(200);
    const ok = await t.call({ method: 'GET', url: `/api/v1/users/${id200}` });
    expect(ok.statusCode).toBe(404);
    expect(apiShape(ok.body).code).toBe('not_found');
    const long = await t.call({ method: 'GET', url: `/api/v1/users/${'x'.repeat(201)}` });
    expect(long.statusCode).toBe(414);
    expect(apiShape(long.body).code).toBe('uri_too_long');
  });

  it('a broken percent-encoding is a 400 in the shape of the surface it was meant for', async () => {
    const api = await t.call({ method: 'GET', url: '/api/v1/users/%E0%A4%A' });
    expect(api.statusCode).toBe(400);
    expect(apiShape(api.body).code).toBe('invalid_request');
    const gw = await t.call({ method: 'GET', url: '/v1/models/%zz' });
    expect(gw.statusCode).toBe(400);
    expect(openAiShape(gw.body).code).toBe('invalid_request');
  });

  it('unknown routes: authentication first, then a 404 in the surface shape', async () => {
    const anon = await t.call({ method: 'GET', url: '/api/v1/nothing-here', auth: null });
    expect(anon.statusCode).toBe(401);
    expect(apiShape(anon.body).code).toBe('unauthenticated');
    const known = await t.call({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(known.statusCode).toBe(404);
    expect(apiShape(known.body).code).toBe('route_not_found');
    const gw = await t.call({ method: 'GET', url: '/v1/nothing-here' });
    expect(gw.statusCode).toBe(404);
    expect(openAiShape(gw.body).code).toBe('route_not_found');
  });

  it('bad JSON on the API is a 400 in the API shape', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/teams',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(res.statusCode).toBe(400);
    expect(apiShape(res.body).code).toBe('invalid_request');
    expectStatus(await t.call({ method: 'GET', url: '/health/liveliness', auth: null }), 200);
  });
});
