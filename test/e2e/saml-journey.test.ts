import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../support/json.js';
import {
  type IdpUser,
  type SamlIdp,
  samlIdpUnavailable,
  startSamlIdp,
} from '../support/saml-idp/index.js';
import { type Browser, buildUi, hasChromium, openBrowser, screenshot } from './browser.js';
import { JOURNEY, type Journey, startJourney } from './journey-app.js';
import { mapGroupInPreview, nav } from './journey-steps.js';

const unavailable = samlIdpUnavailable();
if (unavailable) console.warn(`SAML browser journey skipped: ${unavailable}`);

const CONNECTION = 'acme-saml';
const DISPLAY = 'Acme Okta SAML';
/** A person at the company's Okta, in a group only the SAML journey's rule maps. */
const SAM: IdpUser = {
  username: 'sam',
  password: 'sam-Okta-SAML-pw-5',
  nameId: '00u1gatehousesam000h7',
  attributes: {
    email: ['sam@acme.com'],
    firstName: ['Sam'],
    lastName: ['Sampson'],
    groups: ['Everyone', 'Gateway-Auditors'],
  },
};

/**
 * The SAML half of the IT admin journey in Chromium: the admin adds a SAML connection from the
 * values the page shows, registers exactly those at SimpleSAMLphp (playing the company's Okta),
 * imports the IdP by its metadata URL and tests the connection; after a role rule for the
 * person's group, the person signs in through the SAML button on SimpleSAMLphp's own login page
 * and lands on their dashboard with the mapped role and team.
 */
describe.skipIf(!hasChromium || unavailable !== null)(
  'SAML connection and sign-in in Chromium',
  { timeout: 120_000 },
  () => {
    let journey: Journey;
    let ui: { dir: string; remove(): void };
    let base: string;
    let admin: Browser;
    let page: Page;
    let idp: SamlIdp | undefined;

    beforeAll(async () => {
      ui = await buildUi();
      journey = await startJourney(ui.dir);
      base = journey.base;
      admin = await openBrowser(base);
      page = admin.page;
    }, 180_000);

    afterAll(async () => {
      await admin?.close();
      await idp?.stop();
      await journey?.close();
      ui?.remove();
    });

    it('the IT admin registers at the IdP the URLs the page shows, imports its metadata URL and tests', async () => {
      await page.goto(`${base}/ui/`);
      await page.waitForURL(/\/ui\/sign-in/);
      const details = page.locator('details.break-glass');
      if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
      await page.getByLabel('User name or email').fill('itadmin');
      await page.getByLabel('Password', { exact: true }).fill(JOURNEY.adminPassword);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

      await nav(page, 'Authentication / SSO').click();
      await page.getByRole('link', { name: 'Add SAML connection' }).click();
      const form = page.getByRole('form', { name: 'SAML connection' });
      await form.getByLabel('Connection id').fill(CONNECTION);
      await form.getByLabel('Display name').fill(DISPLAY);
      // Okta asks for these before it shows the app's metadata: the IdP is set up with what the
      // page says, so a wrong value here fails the sign-in below.
      const acsUrl = await form.getByLabel(/^ACS URL/).inputValue();
      const entityId = await form.getByLabel(/^Entity ID/).inputValue();
      expect(acsUrl).toBe(`${base}/sso/${CONNECTION}/acs`);
      idp = await startSamlIdp({
        flavor: 'okta',
        sps: [{ entityId, acsUrl, signing: 'assertion-only' }],
      });
      idp.setUser('sam', SAM);

      await form.getByLabel('IdP settings from').selectOption('url');
      await form.getByLabel('IdP metadata URL').fill(idp.metadataUrl);
      await form.getByRole('button', { name: 'Okta preset' }).click();
      expect(await form.getByLabel('Groups attribute').inputValue()).toBe('groups');
      await form.getByRole('button', { name: 'Create connection' }).click();
      await page.getByRole('heading', { name: DISPLAY }).waitFor();

      // The connection's page shows the server's values: the same ones the IdP was given.
      const register = page.getByRole('region', { name: 'Register these at your IdP' });
      expect(await register.getByLabel(/^ACS URL/).inputValue()).toBe(acsUrl);
      expect(await register.getByLabel(/^Entity ID/).inputValue()).toBe(entityId);
      const stored = expectStatus<Record<string, unknown>>(
        await journey.t.call({ method: 'GET', url: `/api/v1/sso/connections/${CONNECTION}` }),
        200,
      );
      expect(stored).toMatchObject({
        type: 'saml',
        idp_metadata_url: idp.metadataUrl,
        preset: 'okta',
        source: 'database',
      });

      // The test explains itself in SAML's terms, not OIDC's discovery document.
      const testing = page.getByRole('region', { name: 'Test connection' });
      expect(await testing.textContent()).toContain("Reads the IdP's metadata now");
      expect(await testing.textContent()).not.toContain('discovery');
      await page.getByRole('button', { name: 'Test connection' }).click();
      const checks = page.getByRole('list', { name: 'Checks' });
      await checks.waitFor();
      const text = (await checks.textContent()) ?? '';
      expect(text).toContain('idp_metadata');
      expect(text).toContain('idp_certificate');
      // Plain http on loopback and no SP key: warnings at most, nothing is an error.
      expect(await checks.locator('.badge.bad').count()).toBe(0);
      await screenshot(page, 'sso-saml-connection');
    });

    it('narrow window: the SAML pages (certificate and all) fit without sideways scrolling', async () => {
      await page.setViewportSize({ width: 400, height: 800 });
      try {
        for (const [path, heading] of [
          ['/ui/settings/sso/new/saml', 'Add SAML connection'],
          [`/ui/settings/sso/${CONNECTION}`, DISPLAY],
        ] as const) {
          await page.goto(`${base}${path}`);
          await page.getByRole('heading', { name: heading, exact: true }).waitFor();
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          expect(overflow, path).toBeLessThanOrEqual(0);
        }
      } finally {
        await page.setViewportSize({ width: 1280, height: 860 });
      }
    });

    it('the IT admin maps Gateway-Auditors to proxy_admin_viewer and team Platform', async () => {
      await mapGroupInPreview(page, {
        group: 'Gateway-Auditors',
        role: 'proxy_admin_viewer',
        team: 'Platform',
      });
    });

    it('a person signs in through the SAML button on the IdP’s login page and lands with the mapped role and team', async () => {
      const person = await openBrowser(base);
      try {
        const p = person.page;
        await p.goto(`${base}/ui/`);
        await p.getByRole('button', { name: `Sign in with ${DISPLAY}` }).click();
        // SimpleSAMLphp's own login form, in the browser; its answer posts itself to the ACS.
        await p.waitForURL((u) => u.origin === new URL(idp?.baseUrl ?? base).origin);
        await p.locator('#username').fill(SAM.username);
        await p.locator('#password').fill(SAM.password);
        await p.locator('#submit_button').click();
        await p.getByRole('heading', { name: 'Dashboard' }).waitFor();
        expect(p.url()).toMatch(new RegExp(`^${base}/ui/`));
        const main = (await p.locator('main').textContent()) ?? '';
        expect(main).toContain('Sam Sampson');
        expect(main).toContain('Proxy admin viewer');
        await p.getByRole('link', { name: 'Platform' }).waitFor();
        await screenshot(p, 'dashboard-saml');

        const me = await p.evaluate(async () => {
          const res = await fetch('/api/v1/me');
          return (await res.json()) as {
            role: string;
            user: { email: string | null };
            teams: { name: string; source: string }[];
          };
        });
        expect(me.role).toBe('proxy_admin_viewer');
        expect(me.user.email).toBe('sam@acme.com');
        // The rule's team, and (group sync) the IdP's groups as teams: SAML carried them as a list.
        expect(me.teams.map((x) => x.name).sort()).toEqual([
          'Everyone',
          'Gateway-Auditors',
          'Platform',
        ]);
        // A proxy admin viewer reads the connection settings but cannot change them.
        await nav(p, 'Authentication / SSO').click();
        await p.getByRole('row', { name: new RegExp(DISPLAY) }).waitFor();
        expect(await p.getByRole('link', { name: 'Add SAML connection' }).count()).toBe(0);
      } finally {
        await person.close();
      }
    });

    it('a wrong password stays on the IdP’s form: nobody is signed in', async () => {
      const other = await openBrowser(base);
      try {
        const p = other.page;
        await p.goto(`${base}/ui/sign-in`);
        await p.getByRole('button', { name: `Sign in with ${DISPLAY}` }).click();
        await p.locator('#username').fill(SAM.username);
        await p.locator('#password').fill('not the password');
        await p.locator('#submit_button').click();
        await p.getByText('Incorrect username or password').waitFor();
        expect(p.url().startsWith(base)).toBe(false);
        const me = await fetch(`${base}/api/v1/me`, {
          headers: {
            cookie: (await other.context.cookies(base))
              .map((c) => `${c.name}=${c.value}`)
              .join('; '),
          },
        });
        expect(me.status).toBe(401);
      } finally {
        await other.close();
      }
    });
  },
);
