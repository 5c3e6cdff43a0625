import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { type Browser, buildUi, hasChromium, openBrowser, screenshot } from './browser.js';

/**
 * The SSO part of the sign-in page. Gatehouse has no /sso routes yet, so this test stands them
 * in with the contract the SSO work will serve: `GET /sso/connections` →
 * `{"connections": [{"id", "display_name", "type", "login_url"}]}`, `GET /sso/discover?email=` →
 * `{"connection", "login_url"}` or 404, and a login URL that, failing, returns to
 * `/ui/sign-in?error=<reference>&message=…`.
 */
describe.skipIf(!hasChromium)('sign-in page with SSO connections', { timeout: 90_000 }, () => {
  let t: TestApp;
  let ui: { dir: string; remove(): void };
  let browser: Browser;
  let base: string;
  const visited: string[] = [];

  beforeAll(async () => {
    ui = await buildUi();
    t = await testApp('sqlite', {}, { uiRoot: ui.dir });
    t.app.get('/sso/connections', async () => ({
      connections: [
        { id: 'okta', display_name: 'Okta', type: 'oidc', login_url: '/sso/okta/login' },
        {
          id: 'entra',
          display_name: 'Microsoft Entra ID',
          type: 'saml',
          login_url: '/sso/entra/login',
        },
      ],
    }));
    t.app.get('/sso/discover', async (req, reply) => {
      const email = String((req.query as { email?: string }).email ?? '');
      if (email.toLowerCase().endsWith('@acme.com')) {
        return { connection: 'entra', login_url: '/sso/entra/login' };
      }
      return reply.status(404).send({
        error: { code: 'not_found', message: 'No SSO connection for this email domain.' },
      });
    });
    t.app.get('/sso/:id/login', async (req, reply) => {
      const { id } = req.params as { id: string };
      visited.push(id);
      return reply.redirect(
        `/ui/sign-in?error=ref-${id}&message=${encodeURIComponent(`${id}: your account is not assigned to Gatehouse.`)}`,
      );
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await openBrowser(base);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    ui?.remove();
  });

  it('one button per connection; break-glass collapsed; a button starts that connection', async () => {
    const p = browser.page;
    await p.goto(`${base}/ui/sign-in`);
    await p.getByRole('button', { name: 'Sign in with Okta' }).waitFor();
    await p.getByRole('button', { name: 'Sign in with Microsoft Entra ID' }).waitFor();
    expect(await p.locator('details.break-glass').getAttribute('open')).toBeNull();
    expect(await p.getByLabel('User name or email').isVisible()).toBe(false);
    await screenshot(p, 'sign-in-sso');
    await p.getByRole('button', { name: 'Sign in with Okta' }).click();
    await p.waitForURL(/error=ref-okta/);
    expect(visited).toEqual(['okta']);
    await expect
      .poll(() => p.getByRole('alert').textContent())
      .toContain('okta: your account is not assigned to Gatehouse.');
  });

  it('work email: discovery picks the connection; an unknown domain says so', async () => {
    const p = browser.page;
    await p.goto(`${base}/ui/sign-in`);
    await p.getByLabel('Work email').fill('someone@elsewhere.org');
    await p.getByRole('button', { name: 'Continue with your work email' }).click();
    await expect
      .poll(() => p.getByRole('alert').textContent())
      .toContain('No single sign-on is set up for that email domain');
    await p.getByLabel('Work email').fill('ann@acme.com');
    await p.getByRole('button', { name: 'Continue with your work email' }).click();
    await p.waitForURL(/error=ref-entra/);
    expect(visited).toEqual(['okta', 'entra']);
  });

  it('break-glass still opens from the keyboard', async () => {
    const p = browser.page;
    await p.goto(`${base}/ui/sign-in`);
    await p.getByRole('button', { name: 'Sign in with Okta' }).waitFor();
    await p.locator('details.break-glass summary').focus();
    await p.keyboard.press('Enter');
    await p.getByLabel('User name or email').waitFor();
  });
});
