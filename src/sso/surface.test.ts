import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../../test/support/app.js';
import type { SsoProtocol } from './protocol.js';
import type { SignInKit } from './sign-in.js';
import { ssoSurface } from './surface.js';

describe('the /sso surface', () => {
  it('refuses to start when a route declares no authentication', async () => {
    const careless: SsoProtocol = {
      type: 'oidc',
      endpoints: () => ({}),
      start: () => Promise.reject(new Error('not used')),
      test: () => Promise.resolve([]),
      routes(app) {
        app.get('/:id/forgotten', async () => 'open');
      },
    };
    const app = Fastify({ logger: false });
    // Never called: start-up fails before any request could reach the kit.
    const kit = {} as SignInKit;
    const start = async () => {
      await app.register(
        ssoSurface({
          kit,
          connections: { list: async () => [], get: async () => null },
          protocols: [careless],
        }),
        { prefix: '/sso' },
      );
      await app.ready();
    };
    await expect(start()).rejects.toThrow(
      'sso route GET /sso/:id/forgotten declares no authentication',
    );
  });

  describe('errors', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await testApp('sqlite');
    });
    afterAll(async () => t?.close());

    it('are the sign-in error page for browsers, with the request id as reference', async () => {
      const res = await t.call({
        method: 'GET',
        url: '/sso/nowhere/at/all',
        auth: null,
        headers: { accept: 'text/html,application/xhtml+xml', 'x-request-id': 'req-42' },
      });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.body).toContain('class="ref">req-42<');
    });

    it('are JSON for API callers, and the login routes are pages whatever they accept', async () => {
      const json = await t.call({ method: 'GET', url: '/sso/discover', auth: null });
      expect(json.statusCode).toBe(422);
      expect(JSON.parse(json.body).error.code).toBe('validation_failed');
      const page = await t.call({ method: 'GET', url: '/sso/ghost/login', auth: null });
      expect(page.statusCode).toBe(404);
      expect(page.body).toContain('There is no sign-in method &#39;ghost&#39;.');
      expect(page.headers['set-cookie']).not.toContain('gh_session=');
    });

    it('escape what the request puts in them', async () => {
      const res = await t.call({
        method: 'GET',
        url: '/sso/%3Cscript%3Ealert(1)%3C%2Fscript%3E/login',
        auth: null,
      });
      expect(res.body).not.toContain('<script>');
      expect(res.body).toContain('&lt;script&gt;');
    });
  });
});
