import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { expectStatus } from '../support/json.js';
import type { TestIdp } from '../support/oidc-idp/server.js';
import { type Browser, buildUi, hasChromium, openBrowser, screenshot } from './browser.js';
import { JOURNEY, type Journey, startJourney } from './journey-app.js';
import { mapGroupInPreview, nav } from './journey-steps.js';

const ADMIN_PASSWORD = JOURNEY.adminPassword;
const VIEWER_PASSWORD = JOURNEY.viewerPassword;
const PERSON_PASSWORD = JOURNEY.personPassword;
const CONNECTION = JOURNEY.connection;
const CLIENT_ID = JOURNEY.clientId;
const CLIENT_SECRET = JOURNEY.clientSecret;

/**
 * The seed guides' whole story in Chromium, against a live Gatehouse whose public URL is where it
 * listens and oidc-provider as the company's Okta: an IT admin signs in with break-glass, sets up
 * an OIDC connection from the values the page shows, a SCIM token and a role rule checked in the
 * preview; a developer signs in through Okta, lands with the mapped role and team, makes a key,
 * calls a model with the `openai` SDK and sees the spend; a viewer cannot make a key.
 */
describe.skipIf(!hasChromium)(
  'IT admin and developer journey in Chromium',
  { timeout: 120_000 },
  () => {
    let journey: Journey;
    let t: TestApp;
    let idp: TestIdp;
    let ui: { dir: string; remove(): void };
    let base: string;
    let admin: Browser;
    let page: Page;
    const state: { scimToken?: string } = {};

    beforeAll(async () => {
      ui = await buildUi();
      journey = await startJourney(ui.dir);
      ({ t, idp, base } = journey);
      admin = await openBrowser(base);
      page = admin.page;
    }, 180_000);

    afterAll(async () => {
      await admin?.close();
      await journey?.close();
      ui?.remove();
    });

    async function breakGlass(p: Page, username: string, password: string) {
      await p.goto(`${base}/ui/`);
      await p.waitForURL(/\/ui\/sign-in/);
      const details = p.locator('details.break-glass');
      if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
      await p.getByLabel('User name or email').fill(username);
      await p.getByLabel('Password', { exact: true }).fill(password);
      await p.getByRole('button', { name: 'Sign in', exact: true }).click();
      await p.getByRole('heading', { name: 'Dashboard' }).waitFor();
    }

    it('the IT admin creates an OIDC connection and registers the URLs the page shows', async () => {
      await breakGlass(page, 'itadmin', ADMIN_PASSWORD);
      await nav(page, 'Authentication / SSO').click();
      // The file's connection: read-only, with the note and no controls.
      await page.getByRole('link', { name: 'Okta from the file' }).click();
      await page.getByText('comes from the config file and is read-only here').waitFor();
      expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
      await nav(page, 'Authentication / SSO').click();
      expect(await page.getByRole('row', { name: /Okta from the file/ }).textContent()).toContain(
        'read-only',
      );
      await page.getByRole('link', { name: 'Add OIDC connection' }).click();
      const form = page.getByRole('form', { name: 'OIDC connection' });
      await form.getByText('Type the connection id to see them.').waitFor();
      await form.getByLabel('Connection id').fill(CONNECTION);
      // Before saving, the page already shows the redirect URI to register when creating the
      // IdP's app: the one the test IdP has registered.
      expect(await form.getByLabel(/^Redirect URI/).inputValue()).toBe(
        `${base}/sso/${CONNECTION}/callback`,
      );
      await form.getByLabel('Display name').fill('Acme Okta');
      await form.getByLabel('Email domains').fill('acme.com');
      await form.getByLabel('Issuer').fill(idp.issuer);
      await form.getByLabel('Client id').fill(CLIENT_ID);
      await form.getByLabel('Client secret').fill(CLIENT_SECRET);
      await form.getByLabel('Scopes').fill('openid profile email groups');
      await screenshot(page, 'sso-new-oidc');
      await form.getByRole('button', { name: 'Create connection' }).click();
      await page.getByRole('heading', { name: 'Acme Okta' }).waitFor();

      // The redirect URI the page shows is the one registered at the IdP, and Copy copies it.
      const redirect = page.getByLabel(/^Redirect URI/);
      expect(await redirect.inputValue()).toBe(`${base}/sso/${CONNECTION}/callback`);
      await page
        .getByRole('region', { name: 'Register these at your IdP' })
        .getByRole('button', { name: 'Copy' })
        .first()
        .click();
      await expect
        .poll(() => page.evaluate(() => navigator.clipboard.readText()))
        .toBe(`${base}/sso/${CONNECTION}/callback`);

      // Stored with the secret encrypted: the API shows "set", never the value.
      const stored = expectStatus<Record<string, unknown>>(
        await t.call({ method: 'GET', url: `/api/v1/sso/connections/${CONNECTION}` }),
        200,
      );
      expect(stored).toMatchObject({
        type: 'oidc',
        issuer: idp.issuer,
        client_id: CLIENT_ID,
        client_secret: 'set',
        scopes: ['openid', 'profile', 'email', 'groups'],
        email_domains: ['acme.com'],
        source: 'database',
      });

      await page.getByRole('button', { name: 'Test connection' }).click();
      const checks = page.getByRole('list', { name: 'Checks' });
      await checks.waitFor();
      const text = (await checks.textContent()) ?? '';
      expect(text).toContain('discovery');
      expect(text).toContain('jwks');
      // Plain http on loopback: the redirect URI check warns, nothing is an error.
      expect(await checks.locator('.badge.bad').count()).toBe(0);
      await screenshot(page, 'sso-connection');

      // Editing keeps the stored secret when the field is left empty (the Okta sign-in below
      // would fail without it).
      await page.getByRole('button', { name: 'Edit' }).click();
      const edit = page.getByRole('form', { name: 'OIDC connection' });
      expect(await edit.getByLabel('Connection id').isDisabled()).toBe(true);
      expect(await edit.getByLabel('Client secret').inputValue()).toBe('');
      const patched = page.waitForRequest((r) => r.method() === 'PATCH');
      await edit.getByLabel('Email domains').fill('acme.com, acme.de');
      await edit.getByRole('button', { name: 'Save connection' }).click();
      const patch = (await patched).postDataJSON() as Record<string, unknown>;
      expect(patch).not.toHaveProperty('client_secret');
      expect(patch).not.toHaveProperty('id');
      await page.getByRole('button', { name: 'Edit' }).waitFor();
      const edited = expectStatus<Record<string, unknown>>(
        await t.call({ method: 'GET', url: `/api/v1/sso/connections/${CONNECTION}` }),
        200,
      );
      expect(edited).toMatchObject({
        email_domains: ['acme.com', 'acme.de'],
        client_secret: 'set',
      });

      await nav(page, 'Authentication / SSO').click();
      await page.getByRole('row', { name: /Acme Okta/ }).waitFor();
      expect(await page.getByRole('row', { name: /Acme Okta/ }).textContent()).toContain(
        'Made here',
      );
      await screenshot(page, 'sso-connections');
    });

    it('a SAML connection form sends the schema keys; a bad certificate is refused and the form says why', async () => {
      await nav(page, 'Authentication / SSO').click();
      await page.getByRole('link', { name: 'Add SAML connection' }).click();
      const form = page.getByRole('form', { name: 'SAML connection' });
      await form.getByLabel('Connection id').fill('acme-entra');
      // Metadata downloaded from the IdP can be uploaded instead of pasted.
      const xml = '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>';
      await form.getByLabel('Or upload the metadata file').setInputFiles({
        name: 'metadata.xml',
        mimeType: 'application/xml',
        buffer: Buffer.from(xml),
      });
      await expect.poll(() => form.getByLabel('IdP metadata XML').inputValue()).toBe(xml);
      await form.getByLabel('IdP settings from').selectOption('manual');
      await form.getByRole('button', { name: 'Entra preset' }).click();
      expect(await form.getByLabel(/^ACS URL/).inputValue()).toBe(`${base}/sso/acme-entra/acs`);
      expect(await form.getByLabel('Email attribute').inputValue()).toMatch(/emailaddress$/);
      await screenshot(page, 'sso-new-saml');
      const sent = page.waitForRequest(
        (r) => r.method() === 'POST' && r.url().endsWith('/api/v1/sso/connections'),
      );
      await form.getByLabel('IdP single sign-on URL').fill('https://login.example/saml2');
      await form.getByLabel('IdP entity id (issuer)').fill('https://sts.example/t/');
      await form
        .getByLabel('IdP signing certificates (PEM)')
        .fill('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
      await form.getByRole('button', { name: 'Create connection' }).click();
      const body = (await sent).postDataJSON() as Record<string, unknown>;
      expect(body).toMatchObject({
        id: 'acme-entra',
        type: 'saml',
        idp_sso_url: 'https://login.example/saml2',
        idp_entity_id: 'https://sts.example/t/',
        idp_certificates: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
        preset: 'entra',
        want_assertions_signed: true,
      });
      expect(body).not.toHaveProperty('idp_metadata_xml');
      // The placeholder certificate is no certificate: the server refuses it, nothing is stored,
      // and the form shows the server's reason (saml-journey.test.ts creates a real one).
      await form.getByRole('alert').waitFor();
      expect(await form.getByRole('alert').textContent()).toMatch(/certificate/i);
      const answer = await t.call({ method: 'GET', url: '/api/v1/sso/connections/acme-entra' });
      expect(answer.statusCode).toBe(404);
    });

    it('the IT admin creates a SCIM token (shown once) and the IdP can use it', async () => {
      await nav(page, 'Provisioning / SCIM').click();
      expect(await page.getByRole('textbox', { name: 'SCIM base URL' }).inputValue()).toBe(
        `${base}/scim/v2`,
      );
      await page.getByText('No SCIM token yet').waitFor();
      await page.getByLabel('Token name').fill('Okta provisioning');
      await page.getByRole('button', { name: 'Create token' }).click();
      const secret = page.getByRole('textbox', { name: 'New SCIM token' });
      await secret.waitFor();
      state.scimToken = await secret.inputValue();
      const res = await fetch(`${base}/scim/v2/Users`, {
        headers: { authorization: `Bearer ${state.scimToken}` },
      });
      expect(res.status).toBe(200);
      await page.getByRole('button', { name: 'I have copied it' }).click();
      expect(await page.getByRole('textbox', { name: 'New SCIM token' }).count()).toBe(0);
      await page.reload();
      const row = page
        .getByRole('region', { name: 'Tokens' })
        .getByRole('row', { name: /Okta provisioning/ });
      await row.waitFor();
      expect(await row.textContent()).not.toContain(state.scimToken);
      // The request above is in the activity log, and the token's last use is shown.
      const activity = page.getByRole('region', { name: 'Recent SCIM activity' });
      await activity.getByRole('row', { name: /GET \/scim\/v2\/Users/ }).waitFor();
      expect(await activity.textContent()).toContain('Okta provisioning');
      expect(await row.textContent()).not.toContain('Never');
      await screenshot(page, 'provisioning');

      // A request the SCIM API refuses shows under "Only failures"; the successful one does not.
      const bad = await fetch(`${base}/scim/v2/Users`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${state.scimToken}`,
          'content-type': 'application/scim+json',
        },
        body: '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}',
      });
      expect(bad.status).toBeGreaterThanOrEqual(400);
      await page.reload();
      await activity.getByLabel('Only failures').check();
      await activity.getByRole('row', { name: /POST \/scim\/v2\/Users/ }).waitFor();
      expect(await activity.getByRole('row', { name: /GET \/scim\/v2\/Users/ }).count()).toBe(0);

      // Revoked: the list says so and the IdP is turned away.
      await row.getByRole('button', { name: 'Revoke' }).click();
      await row.getByRole('button', { name: 'Revoke Okta provisioning' }).click();
      await row.getByText(/Revoked/).waitFor();
      const after = await fetch(`${base}/scim/v2/Users`, {
        headers: { authorization: `Bearer ${state.scimToken}` },
      });
      expect(after.status).toBe(401);
    });

    it('the IT admin maps Engineering to internal_user and team Platform, checked in the preview', async () => {
      await mapGroupInPreview(page, {
        group: 'Engineering',
        role: 'internal_user',
        team: 'Platform',
      });
    });

    it('a developer signs in through Okta, lands with the mapped role and team, makes a key and sees the spend', async () => {
      const dev = await openBrowser(base);
      try {
        const p = dev.page;
        await p.goto(`${base}/ui/`);
        await p.getByRole('button', { name: 'Sign in with Acme Okta' }).click();
        // The IdP's own pages.
        await p.locator('input[name=login]').fill('dana@acme.com');
        await p.locator('input[name=password]').fill(PERSON_PASSWORD);
        await p.getByRole('button', { name: 'Sign in' }).click();
        const allow = p.getByRole('button', { name: 'Allow' });
        const landed = p.getByRole('heading', { name: 'Dashboard' });
        await Promise.race([allow.waitFor(), landed.waitFor()]);
        if (await allow.isVisible()) await allow.click();
        await landed.waitFor();
        expect(p.url()).toMatch(new RegExp(`^${base}/ui/`));
        const main = (await p.locator('main').textContent()) ?? '';
        expect(main).toContain('Dana Developer');
        expect(main).toContain('Internal user');
        await p.getByRole('link', { name: 'Platform' }).waitFor();
        await screenshot(p, 'dashboard-sso');

        await nav(p, 'Keys').click();
        await p.getByRole('button', { name: 'Create key' }).click();
        const form = p.getByRole('form', { name: 'New key' });
        await form.getByLabel('Key name').fill('dana-laptop');
        expect(await form.getByLabel('Purpose').inputValue()).toBe('management');
        await form.getByLabel('Purpose').selectOption('inference');
        await form.getByRole('button', { name: 'Create key' }).click();
        const secret = await p.getByRole('textbox', { name: 'New key', exact: true }).inputValue();
        await p.getByRole('button', { name: 'I have copied it' }).click();
        const row = p.getByRole('row', { name: /dana-laptop/ });
        expect(await row.textContent()).toContain('inference');

        const openai = new OpenAI({ apiKey: secret, baseURL: `${base}/v1` });
        const reply = await openai.chat.completions.create({
          model: 'fake-gpt',
          messages: [{ role: 'user', content: 'hello from the journey test' }],
        });
        expect(reply.choices[0]?.message.content).toContain('hello from the journey test');
        // An inference key calls models, not the management API.
        const refused = await fetch(`${base}/api/v1/keys`, {
          headers: { authorization: `Bearer ${secret}` },
        });
        expect(refused.status).toBe(403);
        await t.gateway.flushSpend();

        await nav(p, 'Spend').click();
        const byModel = p.getByRole('region', { name: 'By model' });
        await byModel.getByRole('row', { name: /fake-gpt/ }).waitFor();
        expect(await byModel.getByRole('row', { name: /fake-gpt/ }).textContent()).toMatch(
          /fake-gpt\s*1/,
        );
        await p.getByRole('img', { name: /chart/ }).waitFor();
        // The fake provider costs nothing: chart the tokens instead.
        await p.getByLabel('Chart shows').selectOption('total_tokens');
        await p.getByRole('heading', { name: 'Tokens by day (UTC)' }).waitFor();
        await p
          .getByRole('region', { name: 'Requests' })
          .getByRole('row', { name: /dana-laptop/ })
          .waitFor();
        await screenshot(p, 'spend');
        // Narrowed to the key: still the request; the model filter below then matches nothing.
        await p.getByLabel('Key').selectOption({ label: 'dana-laptop' });
        await p
          .getByRole('region', { name: 'By model' })
          .getByRole('row', { name: /fake-gpt/ })
          .waitFor();
        // A filter that matches nothing says so.
        await p.getByRole('textbox', { name: 'Model' }).fill('no-such-model');
        await p.getByText('No spend for these filters yet').waitFor();
      } finally {
        await dev.close();
      }
    });

    it('narrow window: the new pages fit without sideways scrolling', async () => {
      await page.setViewportSize({ width: 400, height: 800 });
      try {
        for (const [path, heading] of [
          ['/ui/settings/sso', 'Authentication / SSO'],
          ['/ui/settings/sso/new/oidc', 'Add OIDC connection'],
          ['/ui/settings/sso/new/saml', 'Add SAML connection'],
          [`/ui/settings/sso/${CONNECTION}`, 'Acme Okta'],
          ['/ui/settings/provisioning', 'Provisioning / SCIM'],
          ['/ui/spend', 'Spend'],
        ] as const) {
          await page.goto(`${base}${path}`);
          await page.getByRole('heading', { name: heading, exact: true }).waitFor();
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          expect(overflow, path).toBeLessThanOrEqual(0);
        }
        await screenshot(page, 'narrow-spend');
      } finally {
        await page.setViewportSize({ width: 1280, height: 860 });
      }
    });

    it('a viewer sees no key control, and the API refuses their session', async () => {
      const viewer = await openBrowser(base);
      try {
        const p = viewer.page;
        await breakGlass(p, 'vic', VIEWER_PASSWORD);
        const menu = (await p.getByRole('navigation', { name: 'Main' }).textContent()) ?? '';
        expect(menu).not.toContain('Authentication / SSO');
        await nav(p, 'Keys').click();
        await p.getByText('Your role can see keys but not create them').waitFor();
        expect(await p.getByRole('button', { name: 'Create key' }).count()).toBe(0);
        const status = await p.evaluate(async () => {
          const csrf = document.cookie.match(/(?:^|; )gh_csrf=([^;]*)/)?.[1] ?? '';
          const res = await fetch('/api/v1/keys', {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-csrf-token': decodeURIComponent(csrf),
            },
            body: '{}',
          });
          return res.status;
        });
        expect(status).toBe(403);
        // Settings pages the role cannot read say so instead of failing.
        await p.goto(`${base}/ui/settings/sso`);
        await p.getByText('Your role does not give access to SSO settings').waitFor();
      } finally {
        await viewer.close();
      }
    });

    it('a proxy admin viewer reads the SSO and SCIM settings but has no control to change them', async () => {
      const auditor = await openBrowser(base);
      try {
        const p = auditor.page;
        await breakGlass(p, 'paula', VIEWER_PASSWORD);
        await nav(p, 'Authentication / SSO').click();
        await p.getByRole('row', { name: /Acme Okta/ }).waitFor();
        expect(await p.getByRole('link', { name: 'Add OIDC connection' }).count()).toBe(0);
        await p.getByRole('link', { name: 'Acme Okta' }).click();
        await p.getByRole('region', { name: 'Register these at your IdP' }).waitFor();
        for (const name of ['Edit', 'Delete', 'Test connection']) {
          expect(await p.getByRole('button', { name, exact: true }).count(), name).toBe(0);
        }
        await nav(p, 'Provisioning / SCIM').click();
        await p
          .getByRole('region', { name: 'Tokens' })
          .getByRole('row', { name: /Okta provisioning/ })
          .waitFor();
        expect(await p.getByRole('button', { name: 'Create token' }).count()).toBe(0);
        expect(await p.getByRole('form', { name: 'Create a SCIM token' }).count()).toBe(0);
      } finally {
        await auditor.close();
      }
    });

    it('the IT admin deletes the connection: nobody can sign in through it any more', async () => {
      await page.goto(`${base}/ui/settings/sso/${CONNECTION}`);
      await page.getByRole('heading', { name: 'Acme Okta' }).waitFor();
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await page.getByRole('button', { name: `Delete ${CONNECTION}` }).click();
      await page.waitForURL(/\/ui\/settings\/sso$/);
      await page.getByRole('row', { name: /Okta from the file/ }).waitFor();
      expect(await page.getByRole('row', { name: /Acme Okta/ }).count()).toBe(0);
      expectStatus(
        await t.call({ method: 'GET', url: `/api/v1/sso/connections/${CONNECTION}` }),
        404,
      );
      const other = await openBrowser(base);
      try {
        await other.page.goto(`${base}/ui/sign-in`);
        await other.page.getByRole('button', { name: 'Sign in with Okta from the file' }).waitFor();
        expect(
          await other.page.getByRole('button', { name: 'Sign in with Acme Okta' }).count(),
        ).toBe(0);
      } finally {
        await other.close();
      }
    });
  },
);
