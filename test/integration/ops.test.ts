import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectStatus } from '../support/json.js';

describe.each(dialects())('operations endpoints (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(async () => t.close());

  it('answers liveliness and readiness without credentials', async () => {
    expect(
      expectStatus(await t.call({ method: 'GET', url: '/health/liveliness', auth: null }), 200),
    ).toEqual({ status: 'ok' });
    expect(
      expectStatus(await t.call({ method: 'GET', url: '/health/readiness', auth: null }), 200),
    ).toMatchObject({ db: 'connected' });
  });

  it('exposes Prometheus metrics labelled by route pattern, not by raw URL', async () => {
    await t.call({ method: 'GET', url: '/api/v1/users/some-id-123' });
    const res = await t.call({ method: 'GET', url: '/metrics', auth: null });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain(
      'gatehouse_http_requests_total{method="GET",route="/api/v1/users/:id",status="404"}',
    );
    expect(res.body).not.toContain('some-id-123');
    expect(res.body).toContain('gatehouse_process_cpu_seconds_total');
  });
});

describe.each(dialects())('readiness with the database gone (%s)', (dialect) => {
  it('turns 503 when the database is unreachable', async () => {
    const t = await testApp(dialect);
    try {
      await t.db.close();
      const res = await t.call({ method: 'GET', url: '/health/readiness', auth: null });
      expect(res.statusCode).toBe(503);
      expect(JSON.parse(res.body)).toMatchObject({ status: 'unavailable' });
    } finally {
      await t.app.close();
      await t.db.dispose();
    }
  });
});

describe('client addresses behind a proxy', () => {
  const createTeam = (t: TestApp) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/teams',
      payload: { name: `via-proxy-${Math.random()}` },
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'x-forwarded-for': '203.0.113.50' },
    });
  const lastIp = async (t: TestApp) =>
    expectStatus<{ data: { ip: string }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/audit?limit=1' }),
      200,
    ).data[0]?.ip;

  it('ignores X-Forwarded-For by default: a client cannot pick its own address', async () => {
    const t = await testApp('sqlite');
    try {
      expect((await createTeam(t)).statusCode).toBe(201);
      expect(await lastIp(t)).toBe('127.0.0.1');
    } finally {
      await t.close();
    }
  });

  it('believes it from a trusted proxy (GATEHOUSE_TRUST_PROXY), for the audit log and login throttling', async () => {
    const t = await testApp('sqlite', {}, { env: { GATEHOUSE_TRUST_PROXY: '127.0.0.1' } });
    try {
      expect((await createTeam(t)).statusCode).toBe(201);
      expect(await lastIp(t)).toBe('203.0.113.50');
    } finally {
      await t.close();
    }
  });
});
