import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheControlFor, isClientRoute } from '../../src/http/ui.js';
import { type TestApp, testApp } from '../support/app.js';

/** A build as Vite lays it out: index.html naming hashed assets, and one unhashed file. */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gh-ui-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><head><script type="module" src="/ui/assets/index-Ab12Cd34.js"></script></head><body><div id="root"></div></body></html>',
  );
  writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js'), 'console.log("app");');
  writeFileSync(join(dir, 'assets', 'index-Zz98Yy76.css'), 'body{}');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, '.env'), 'SECRET=1');
  return dir;
}

describe('cache rules (pure)', () => {
  it('hashed assets are immutable; index.html and unhashed files revalidate', () => {
    expect(cacheControlFor('assets/index-Ab12Cd34.js')).toContain('immutable');
    expect(cacheControlFor('assets/logo-DeF_5-9xk.svg')).toContain('immutable');
    expect(cacheControlFor('index.html')).toBe('no-cache');
    expect(cacheControlFor('favicon.svg')).toBe('no-cache');
    expect(cacheControlFor('assets/plain.js')).toBe('no-cache');
  });

  it('client routes fall back to index.html; asset and file paths do not', () => {
    expect(isClientRoute('')).toBe(true);
    expect(isClientRoute('teams/abc-123')).toBe(true);
    expect(isClientRoute('settings/roles')).toBe(true);
    expect(isClientRoute('assets/missing-Abcdefgh.js')).toBe(false);
    expect(isClientRoute('assets/whatever')).toBe(false);
    expect(isClientRoute('robots.txt')).toBe(false);
  });
});

describe('the UI is served at /ui/', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = fakeBuild();
    t = await testApp('sqlite', {}, { uiRoot: dir });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string) => t.call({ method: 'GET', url, auth: null });

  it('/ and /ui redirect to /ui/', async () => {
    for (const url of ['/', '/ui']) {
      const res = await get(url);
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('/ui/');
    }
  });

  it('/ui/ is index.html with no-cache and the strict security headers', async () => {
    const res = await get('/ui/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers['cache-control']).toBe('no-cache');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('history fallback: a client route answers index.html', async () => {
    const res = await get('/ui/teams/some-team?tab=members');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('hashed assets get a year-long immutable cache and their own type', async () => {
    const js = await get('/ui/assets/index-Ab12Cd34.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-security-policy']).toBeDefined();
    const css = await get('/ui/assets/index-Zz98Yy76.css');
    expect(css.headers['cache-control']).toContain('immutable');
    expect((await get('/ui/favicon.svg')).headers['cache-control']).toBe('no-cache');
  });

  it('a missing asset is a 404 in the error shape, not HTML posing as a script', async () => {
    const res = await get('/ui/assets/gone-Qwertyui.js');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(JSON.parse(res.body).error.code).toBe('route_not_found');
  });

  it('path traversal: ../ out of the build folder serves nothing from outside it', async () => {
    for (const url of [
      '/ui/../package.json',
      '/ui/%2e%2e/%2e%2e/package.json',
      '/ui/assets/..%2f..%2fpackage.json',
      '/ui/..%5c..%5cpackage.json',
    ]) {
      const res = await get(url);
      expect(res.body, url).not.toContain('"dependencies"');
    }
  });

  it('dotfiles in the build folder are not served', async () => {
    const res = await get('/ui/.env');
    expect(res.body).not.toContain('SECRET');
  });

  it('the UI surface does not shadow the API: unknown API routes stay JSON (401, then 404)', async () => {
    const anon = await get('/api/v1/nope');
    expect(anon.statusCode).toBe(401);
    expect(JSON.parse(anon.body).error.code).toBe('unauthenticated');
    const res = await t.call({ method: 'GET', url: '/api/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body).error.code).toBe('route_not_found');
  });
});

describe('without a build', () => {
  it('/ui/ says how to build the UI instead of failing', async () => {
    const missing = join(tmpdir(), `gh-ui-missing-${process.pid}`);
    const t = await testApp('sqlite', {}, { uiRoot: missing });
    try {
      for (const url of ['/ui/', '/ui/teams']) {
        const res = await t.call({ method: 'GET', url, auth: null });
        expect(res.statusCode).toBe(503);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.body).toContain('npm run build');
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      }
    } finally {
      await t.close();
    }
  });
});
