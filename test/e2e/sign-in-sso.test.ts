import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { type Browser, buildUi, hasChromium, openBrowser, screenshot } from './browser.js';

/**
 * The SSO part of the sign-in page against the real `/sso` routes: `GET /sso/connections` lists
 * the buttons, `GET /sso/discover?email=` picks a connection by domain, and a connection whose IdP
 * cannot be reached ends on the server's sign-in error page (a sentence and a reference).
 */
describe.skipIf(!hasChromium)('sign-in page with SSO connections', { timeout: 90_000 }, () => {
  let t: TestApp;
  let ui: { dir: string; remove(): void };
  let browser: Browser;
  let base: string;
  // Nothing listens on port 9 here: the IdPs are down, which is the failure the page must explain.
  const idp = (path: string) => `http://127.0.0.1:9${path}`;

  beforeAll(async () => {
    ui = await buildUi();
    t = await testApp(
      'sqlite',
      {
        sso: {
          connections: [
            {
              id: 'okta',
              type: 'oidc',
              display_name: 'Okta',
              issuer: idp('/oauth2/default'),
              client_id: 'gatehouse',
              client_secret: 'not-used',
              email_domains: ['example.org'],
            },
            {
              id: 'entra',
              type: 'oidc',
              display_name: 'Microsoft Entra ID',
              issuer: idp('/11111111-2222-3333-4444-555555555555/v2.0'),
              client_id: 'gatehouse',
              client_secret: 'not-used',
              email_domains: ['acme.com'],
            },
          ],
        },
      },
      { uiRoot: ui.dir },
    );
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
    await p.waitForURL(/\/sso\/okta\/login/);
    const page = (await p.textContent('body')) ?? '';
    expect(page).toMatch(/could not be reached|unavailable|not reachable/i);
    expect(page).toMatch(/[Rr]eference/);
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
    await p.waitForURL(/\/sso\/entra\/login/);
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
