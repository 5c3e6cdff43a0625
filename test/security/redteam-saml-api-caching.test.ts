import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';

/**
 * Red team: authenticated management API answers carried no Cache-Control. The admin UI calls
 * /api/v1 with its session cookie, so a browser's cache (or a proxy that stores cookie-bearing
 * answers) could keep SSO connection settings, the user list or the audit log after sign-out,
 * for the next person at the machine. Every /api/v1 answer, errors included, must be no-store.
 */
describe('red team: caching of authenticated /api/v1 answers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp('sqlite', {});
  });
  afterAll(async () => t?.close());

  for (const [method, url, auth] of [
    ['GET', '/api/v1/sso/connections', undefined],
    ['GET', '/api/v1/me', undefined],
    ['GET', '/api/v1/users', undefined],
    ['GET', '/api/v1/audit', undefined],
    ['GET', '/api/v1/sso/connections/nope', undefined],
    ['GET', '/api/v1/users', null],
  ] as const) {
    it(`attack: ${method} ${url} (${auth === null ? 'no credentials' : 'master key'}) is not cacheable`, async () => {
      const r = await t.call({ method, url, auth });
      expect(r.statusCode).toBeLessThan(500);
      expect(r.headers['cache-control']).toBe('no-store');
    });
  }
});
