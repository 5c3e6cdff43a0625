import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { expectStatus } from '../support/json.js';
import {
  type Browser,
  buildUi,
  hasChromium,
  openBrowser,
  SCREENSHOTS,
  screenshot,
} from './browser.js';
import { nav } from './journey-steps.js';

const ADMIN_PASSWORD = 'correct horse battery staple';
const VIEWER_PASSWORD = 'viewer password 12345';

/**
 * An IT admin walks every page of the admin UI in Chromium against a real Gatehouse (HTTP on
 * loopback, the built SPA, SQLite), signing in with the break-glass login.
 */
// A shared two-core machine: give each browser step room beyond the 30 s default.
describe.skipIf(!hasChromium)('admin UI in Chromium', { timeout: 90_000 }, () => {
  let t: TestApp;
  let ui: { dir: string; remove(): void };
  let base: string;
  let admin: Browser;
  let page: Page;
  const state: { teamId?: string; viewerEmail?: string; secret?: string; keyId?: string } = {};

  beforeAll(async () => {
    ui = await buildUi();
    t = await testApp(
      'sqlite',
      {
        auth: {
          local_login: { allowed_roles: ['proxy_admin', 'internal_user', 'internal_user_viewer'] },
        },
      },
      { uiRoot: ui.dir },
    );
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: {
          email: 'it-admin@acme.com',
          user_name: 'itadmin',
          display_name: 'Ida Admin',
          role: 'proxy_admin',
          password: ADMIN_PASSWORD,
        },
      }),
      201,
    );
    admin = await openBrowser(base);
    page = admin.page;
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await t?.close();
    ui?.remove();
  });

  async function signIn(p: Page, username: string, password: string) {
    await p.goto(`${base}/ui/`);
    await p.waitForURL(/\/ui\/sign-in/);
    await p.getByLabel('User name or email').fill(username);
    await p.getByLabel('Password', { exact: true }).fill(password);
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.getByRole('heading', { name: 'Dashboard' }).waitFor();
  }

  it('sign-in: no SSO routes yet, so the break-glass form is open; signing in lands on the dashboard', async () => {
    await page.goto(`${base}/ui/teams`);
    await page.waitForURL(/\/ui\/sign-in\?next=%2Fteams/);
    await expect.poll(() => page.locator('details.break-glass').getAttribute('open')).toBe('');
    expect(await page.getByRole('heading', { name: 'Single sign-on' }).count()).toBe(0);
    await screenshot(page, 'sign-in');
    await page.getByLabel('User name or email').fill('itadmin');
    await page.getByLabel('Password', { exact: true }).fill('wrong password!!');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('Wrong user name or password');
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // Back where the person wanted to go.
    await page.getByRole('heading', { name: 'Teams' }).waitFor();
    await nav(page, 'Dashboard').click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('Proxy admin');
    await page.getByText('This browser').waitFor();
    await screenshot(page, 'dashboard');
  });

  it('open redirect: next= pointing at another site stays inside Gatehouse', async () => {
    const other = await openBrowser(base);
    try {
      await other.page.goto(`${base}/ui/sign-in?next=${encodeURIComponent('//evil.example/x')}`);
      await other.page.getByLabel('User name or email').fill('itadmin');
      await other.page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
      await other.page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await other.page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      expect(new URL(other.page.url()).origin).toBe(base);
    } finally {
      await other.close();
    }
  });

  it('a failed SSO sign-in shows its message and reference as text, never as markup', async () => {
    const other = await openBrowser(base);
    try {
      const message =
        '<img src=x onerror="window.__pwned=1">Your account is not assigned to this app.';
      await other.page.goto(
        `${base}/ui/sign-in?error=ref-7f3a&message=${encodeURIComponent(message)}`,
      );
      const alert = other.page.getByRole('alert');
      await expect.poll(() => alert.textContent()).toContain('Your account is not assigned');
      expect(await alert.textContent()).toContain('ref-7f3a');
      expect(await other.page.locator('main img').count()).toBe(0);
      expect(
        await other.page.evaluate(() => (window as { __pwned?: number }).__pwned),
      ).toBeUndefined();
      await screenshot(other.page, 'sign-in-error');
    } finally {
      await other.close();
    }
  });

  it('teams: create a team with a budget and models; its page shows source, limits, members', async () => {
    await nav(page, 'Teams').click();
    await page.getByText('No teams yet').waitFor();
    await page.getByRole('button', { name: 'New team' }).click();
    await page.getByLabel('Team name').fill('Production LLM Evals');
    await page.getByLabel('Max budget (USD)').fill('100');
    await page.getByLabel('Budget period').fill('30d');
    await page.getByLabel('Models').fill('fake-gpt');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('heading', { name: 'Production LLM Evals' }).waitFor();
    state.teamId = decodeURIComponent(page.url().split('/teams/')[1] ?? '');
    const card = await page.locator('.card').textContent();
    expect(card).toContain('$100.00 per 30d');
    expect(card).toContain('fake-gpt');
    expect(card).toContain('Manual');
    await page.getByText('No members yet.').waitFor();
    const team = expectStatus<{ max_budget: number; models: string[] }>(
      await t.call({ method: 'GET', url: `/api/v1/teams/${state.teamId}` }),
      200,
    );
    expect(team).toMatchObject({ max_budget: 100, models: ['fake-gpt'] });
  });

  it('xss: a team name with markup renders as text, and an injected inline script is blocked by the CSP', async () => {
    expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/teams',
        payload: { name: '<img src=x onerror="window.__pwned=1">' },
      }),
      201,
    );
    // Made outside the UI: load the page afresh.
    await page.goto(`${base}/ui/teams`);
    await page.getByRole('link', { name: '<img src=x onerror="window.__pwned=1">' }).waitFor();
    expect(await page.locator('main img').count()).toBe(0);
    const ran = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.appendChild(s);
      await new Promise((r) => setTimeout(r, 50));
      return (window as { __inline?: number; __pwned?: number }).__inline ?? null;
    });
    expect(ran).toBeNull();
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    await screenshot(page, 'teams');
  });

  it('users: create a person with a role and a local password; the list says how the role was decided', async () => {
    state.viewerEmail = 'vera.viewer@acme.com';
    await nav(page, 'Users').click();
    await page.getByRole('button', { name: 'New user' }).click();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('Email', { exact: true }).fill(state.viewerEmail);
    await form.getByLabel('Display name').fill('Vera Viewer');
    await form.getByLabel('Role').selectOption('internal_user_viewer');
    await form.getByLabel('Team').selectOption({ label: 'Production LLM Evals' });
    await form.getByLabel('Local password').fill(VIEWER_PASSWORD);
    await form.getByRole('button', { name: 'Create user' }).click();
    const row = page.getByRole('row', { name: /Vera Viewer/ });
    await row.waitFor();
    const text = await row.textContent();
    expect(text).toContain('internal_user_viewer');
    expect(text).toContain('Pinned by an administrator');
    expect(text).toContain('Active');
    expect(text).toContain('Manual');
    await screenshot(page, 'users');
  });

  it('users: deactivate and reactivate from the person page', async () => {
    await page.getByRole('link', { name: 'Vera Viewer' }).click();
    await page.getByRole('heading', { name: 'Vera Viewer' }).waitFor();
    await page.getByRole('button', { name: 'Deactivate', exact: true }).click();
    await page.getByRole('button', { name: 'Deactivate now' }).click();
    await page.getByRole('button', { name: 'Reactivate' }).waitFor();
    const list = expectStatus<{ data: { email: string; active: boolean }[] }>(
      await t.call({ method: 'GET', url: `/api/v1/users?email=${state.viewerEmail}` }),
      200,
    );
    expect(list.data[0]?.active).toBe(false);
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await page.getByRole('button', { name: 'Deactivate', exact: true }).waitFor();
    await screenshot(page, 'user');
  });

  it('team page: the new member shows with their membership source', async () => {
    await page.goto(`${base}/ui/teams/${encodeURIComponent(state.teamId ?? '')}`);
    const row = page.getByRole('row', { name: /vera\.viewer@acme\.com/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('Manual → member');
    await screenshot(page, 'team');
  });

  it('organizations: create one and add a member', async () => {
    await nav(page, 'Organizations').click();
    await page.getByRole('button', { name: 'New organization' }).click();
    await page.getByLabel('Organization name').fill('Acme Research');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('heading', { name: 'Acme Research' }).waitFor();
    await page
      .getByLabel('Add person')
      .selectOption({ label: 'Vera Viewer <vera.viewer@acme.com>' });
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('link', { name: state.viewerEmail ?? '' }).waitFor();
    await screenshot(page, 'organization');
  });

  it('keys: create (shown once), copy, call /v1/models with the openai SDK, block, delete', async () => {
    await nav(page, 'Keys').click();
    await page.getByRole('button', { name: 'Create key' }).click();
    const form = page.getByRole('form', { name: 'New key' });
    await form.getByLabel('Key name').fill('eval-runner');
    // A team key for a service: the admin is not in the team, so the key belongs to no one.
    await form.getByLabel('Owner').selectOption('none');
    await form.getByLabel('Team').selectOption({ label: 'Production LLM Evals' });
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByRole('textbox', { name: 'New key', exact: true });
    await secret.waitFor();
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(/^sk-gh-/);
    expect(copied).toBe(await secret.inputValue());
    state.secret = copied;
    await screenshot(page, 'key-created');

    // The secret is kept nowhere in the browser but the page showing it.
    const stored = await page.evaluate(() => ({
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      cookies: document.cookie,
    }));
    for (const v of Object.values(stored)) expect(v).not.toContain(copied);

    const openai = new OpenAI({ apiKey: copied, baseURL: `${base}/v1` });
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['fake-gpt']);

    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByRole('textbox', { name: 'New key', exact: true }).count()).toBe(0);
    const row = page.getByRole('row', { name: /eval-runner/ });
    await row.getByRole('button', { name: 'Block eval-runner' }).click();
    await row.getByText('Blocked (by an admin)').waitFor();
    const refused = await openai.models.list().then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((refused as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('key_blocked');
    await screenshot(page, 'keys');

    // A second key to delete.
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('form', { name: 'New key' }).getByLabel('Key name').fill('throwaway');
    await page
      .getByRole('form', { name: 'New key' })
      .getByRole('button', { name: 'Create key' })
      .click();
    await page.getByRole('button', { name: 'I have copied it' }).click();
    const throwaway = page.getByRole('row', { name: /throwaway/ });
    await throwaway.getByRole('button', { name: 'Delete', exact: true }).click();
    await throwaway.getByRole('button', { name: 'Delete throwaway' }).click();
    await expect.poll(() => page.getByRole('row', { name: /throwaway/ }).count()).toBe(0);
  });

  it('role mapping: add a rule, save, preview a person, pick a user, print the table', async () => {
    await nav(page, 'Roles / Access control').click();
    await page.getByRole('heading', { name: 'Rules' }).waitFor();
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Group', { exact: true }).fill('litellm-owners');
    await page.getByLabel('Grants role').selectOption('proxy_admin');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Rule 2: match on').selectOption('claim');
    await page.getByLabel('Claim name').fill('department');
    await page.getByLabel('Claim value').fill('research');
    await page.getByLabel('Team', { exact: true }).nth(1).fill('Production LLM Evals');
    // A rule that grants nothing is refused by the server, and the message lands on that rule.
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Group', { exact: true }).nth(1).fill('empty-rule');
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByText('grants nothing: set role, organization or team').waitFor();
    await page.getByRole('button', { name: 'Remove rule 3' }).click();
    await page.getByLabel('Custom role precedence').check();
    await page.getByRole('button', { name: 'Move org_admin up' }).click();
    await page.getByLabel('Default role').selectOption('internal_user');
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByText('Mapping saved.').waitFor();
    const stored = expectStatus<Record<string, unknown>>(
      await t.call({ method: 'GET', url: '/api/v1/role-mapping' }),
      200,
    );
    expect(stored).toMatchObject({
      source: 'database',
      default_role: 'internal_user',
      precedence: [
        'org_admin',
        'proxy_admin',
        'proxy_admin_viewer',
        'internal_user',
        'internal_user_viewer',
      ],
      rules: [
        { group: 'litellm-owners', role: 'proxy_admin' },
        {
          claim: 'department',
          equals: 'research',
          team: 'Production LLM Evals',
          team_role: 'member',
        },
      ],
    });

    await page.getByLabel('Groups (one per line)').fill('litellm-owners\nEveryone');
    await page.getByLabel('Claims (JSON object)').fill('{"department": "research"}');
    await page.getByRole('button', { name: 'Run preview' }).click();
    await expect.poll(() => page.getByTestId('preview-role').textContent()).toBe('proxy_admin');
    const result = await page.locator('.preview-result').textContent();
    expect(result).toContain('Rule 1: group litellm-owners');
    expect(result).toContain('Production LLM Evals (member, from a rule)');
    await screenshot(page, 'role-mapping');

    // Pick a user: Vera has no IdP facts, so the mapping gives her the default role.
    await page
      .getByLabel('Pick a user')
      .selectOption({ label: 'Vera Viewer <vera.viewer@acme.com>' });
    await page.getByRole('button', { name: 'Use their facts' }).click();
    await expect.poll(() => page.getByTestId('preview-role').textContent()).toBe('internal_user');

    const table = page.getByRole('region', { name: 'Role mapping table' });
    const tableText = await table.textContent();
    expect(tableText).toContain('group litellm-owners');
    expect(tableText).toContain('claim department = "research"');
    expect(tableText).toContain('default role internal_user');
    await page.emulateMedia({ media: 'print' });
    await table.screenshot({ path: join(SCREENSHOTS, 'role-mapping-table.png') });
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });
  });

  it('audit log: filter by action and target, with before/after snapshots', async () => {
    await nav(page, 'Audit log').click();
    await page.getByRole('row', { name: /key\.blocked/ }).waitFor();
    await page.getByLabel('Action').selectOption('key.blocked');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('table.audit tbody tr').count()).toBe(1);
    await page.getByLabel('Action').selectOption('');
    await page.getByLabel('Target type').selectOption('setting');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const row = page.getByRole('row', { name: /settings\.role_mapping_updated/ });
    await row.waitFor();
    await row.getByText('After').click();
    expect(await row.locator('pre').textContent()).toContain('litellm-owners');
    // A time window that ends before anything happened matches nothing.
    await page.getByLabel('To', { exact: true }).fill('2000-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No events match.').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await page
      .getByRole('row', { name: /auth\.login_succeeded/ })
      .first()
      .waitFor();
    await screenshot(page, 'audit');
  });

  it('a viewer cannot make a key: no button, and the API refuses their session', async () => {
    const viewer = await openBrowser(base);
    try {
      await signIn(viewer.page, state.viewerEmail ?? '', VIEWER_PASSWORD);
      const menu = await viewer.page.getByRole('navigation', { name: 'Main' }).textContent();
      expect(menu).not.toContain('Audit log');
      expect(menu).not.toContain('Roles / Access control');
      await nav(viewer.page, 'Keys').click();
      await viewer.page.getByRole('heading', { name: 'Your keys' }).waitFor();
      await viewer.page.getByText('Your role can see keys but not create them').waitFor();
      expect(await viewer.page.getByRole('button', { name: 'Create key' }).count()).toBe(0);
      await screenshot(viewer.page, 'keys-viewer');
      const status = await viewer.page.evaluate(async () => {
        const csrf = document.cookie.match(/(?:^|; )gh_csrf=([^;]*)/)?.[1] ?? '';
        const res = await fetch('/api/v1/keys', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
          body: '{}',
        });
        return { status: res.status, body: (await res.json()) as { error: { code: string } } };
      });
      expect(status.status).toBe(403);
      expect(status.body.error.code).toBe('forbidden');
    } finally {
      await viewer.close();
    }
  });

  it("a team admin (internal_user) manages the team's members but sees no team edit or delete", async () => {
    const password = 'team lead password 1';
    expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: {
          email: 'tom.lead@acme.com',
          display_name: 'Tom Lead',
          role: 'internal_user',
          password,
          teams: [{ team_id: state.teamId, role: 'admin' }],
        },
      }),
      201,
    );
    const lead = await openBrowser(base);
    try {
      await signIn(lead.page, 'tom.lead@acme.com', password);
      const menu = await lead.page.getByRole('navigation', { name: 'Main' }).textContent();
      expect(menu).not.toContain('Users');
      expect(menu).not.toContain('Organizations');
      await lead.page.getByRole('link', { name: 'Production LLM Evals' }).click();
      await lead.page.getByRole('heading', { name: 'Production LLM Evals' }).waitFor();
      await lead.page.getByRole('form', { name: 'Add member' }).waitFor();
      // No user list for this role: the person is named by id.
      await lead.page.getByLabel('Add person (user id)').waitFor();
      expect(await lead.page.getByRole('button', { name: 'Edit team' }).count()).toBe(0);
      expect(await lead.page.getByRole('button', { name: 'Delete team' }).count()).toBe(0);
      await nav(lead.page, 'Keys').click();
      await lead.page.getByRole('button', { name: 'Create key' }).waitFor();
    } finally {
      await lead.close();
    }
  });

  it('narrow window: the navigation folds behind a Menu button that works from the keyboard', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Menu' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await screenshot(page, 'narrow-menu');
    await nav(page, 'Keys').click();
    await page.getByRole('row', { name: /eval-runner/ }).waitFor();
    await screenshot(page, 'narrow-keys');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('signing out ends the session; the app returns to the sign-in page', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/ui\/sign-in/);
    const res = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    expect(res).toBe(401);
  });
});

describe.skipIf(!hasChromium)('role mapping fixed in the config file', { timeout: 90_000 }, () => {
  let t: TestApp;
  let ui: { dir: string; remove(): void };
  let browser: Browser;

  beforeAll(async () => {
    ui = await buildUi();
    t = await testApp(
      'sqlite',
      { role_mapping: { rules: [{ group: 'litellm-admins', role: 'org_admin' }] } },
      { uiRoot: ui.dir },
    );
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'root@acme.com', role: 'proxy_admin', password: ADMIN_PASSWORD },
      }),
      201,
    );
    browser = await openBrowser(`http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    ui?.remove();
  });

  it('is shown read-only with a note, and still previews and prints', async () => {
    const p = browser.page;
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    await p.goto(`${base}/ui/sign-in?next=%2Fsettings%2Froles`);
    await p.getByLabel('User name or email').fill('root@acme.com');
    await p.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.getByText('This mapping is set in the config file').waitFor();
    expect(await p.getByRole('button', { name: 'Save mapping' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Add rule' }).count()).toBe(0);
    await p.getByLabel('Groups (one per line)').fill('litellm-admins');
    await p.getByRole('button', { name: 'Run preview' }).click();
    await expect.poll(() => p.getByTestId('preview-role').textContent()).toBe('org_admin');
    await screenshot(p, 'role-mapping-read-only');
  });
});
