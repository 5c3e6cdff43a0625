import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { createKey, createTeam, userWithKey } from '../support/seed.js';

/** Each refusal says what to do instead, in its message (what a person reads first). */
const message = (res: LightMyRequestResponse, status: number): string => {
  expect(res.statusCode, res.body).toBe(status);
  return (res.json().error as { message: string }).message;
};

describe.each(dialects())('error messages say what to do instead (%s)', (dialect) => {
  let t: TestApp;
  let orgId = '';
  let otherOrg = '';
  let orgAdmin: Awaited<ReturnType<typeof userWithKey>>;

  beforeAll(async () => {
    t = await testApp(dialect);
    const org = await t.call({
      method: 'POST',
      url: '/api/v1/organizations',
      payload: { name: 'Acme' },
    });
    orgId = org.json().id;
    const other = await t.call({
      method: 'POST',
      url: '/api/v1/organizations',
      payload: { name: 'Other' },
    });
    otherOrg = other.json().id;
    orgAdmin = await userWithKey(t, 'org_admin');
    await t.write((s) =>
      t.services.memberships.addOrgMember(s, orgId, orgAdmin.user.id, 'org_admin', {
        source: 'manual',
      }),
    );
  });
  afterAll(() => t.close());

  it("an owner unblocking their own key is told to ask an admin, not 'expected true'", async () => {
    const owner = await userWithKey(t, 'internal_user');
    const own = await createKey(t, { user_id: owner.user.id });
    const call = (payload: Record<string, unknown>) =>
      t.call({ method: 'PATCH', url: `/api/v1/keys/${own.id}`, auth: owner.key, payload });
    expect((await call({ blocked: true })).statusCode).toBe(200);
    const unblock = await call({ blocked: false });
    expect(message(unblock, 422)).toBe(
      "Invalid body: blocked: a key's owner may block it but not unblock it: ask an admin to unblock it",
    );
    const budget = await call({ max_budget: 1000 });
    expect(message(budget, 422)).toBe(
      "Invalid body: a key's owner may change only its name and block it (blocked: true); ask an admin to change max_budget",
    );
  });

  it('an org admin creating a user without organization_id is told to send one', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/users',
      auth: orgAdmin.key,
      payload: { email: 'new-person@acme.com' },
    });
    expect(message(res, 403)).toBe(
      `Org admins create users inside an organization they administer: send organization_id ('${orgId}').`,
    );
    const ok = await t.call({
      method: 'POST',
      url: '/api/v1/users',
      auth: orgAdmin.key,
      payload: { email: 'new-person@acme.com', organization_id: orgId },
    });
    expect(ok.statusCode).toBe(201);
  });

  it('an org admin naming an organization they do not run is told which they do', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/teams',
      auth: orgAdmin.key,
      payload: { name: 'elsewhere', organization_id: otherOrg },
    });
    expect(message(res, 403)).toBe(
      `You do not administer organization '${otherOrg}': send the organization_id of one you do ('${orgId}').`,
    );
  });

  it("moving a team is refused as a move, not as 'teams:create'", async () => {
    const team = await createTeam(t, { organization_id: orgId });
    const move = (organization_id: string | null) =>
      t.call({
        method: 'PATCH',
        url: `/api/v1/teams/${team.id}`,
        auth: orgAdmin.key,
        payload: { organization_id },
      });
    const out = message(await move(otherOrg), 403);
    expect(out).toBe(
      `You may move a team only into an organization you administer; you do not administer '${otherOrg}'.`,
    );
    expect(message(await move(null), 403)).toBe(
      'Only proxy admins may take a team out of every organization (organization_id: null).',
    );
    expect(out).not.toContain('teams:create');
  });

  it("a null body says to send a JSON object, not 'received undefined'", async () => {
    for (const [method, url] of [
      ['POST', '/api/v1/teams'],
      ['POST', '/api/v1/users'],
      ['PUT', '/api/v1/role-mapping'],
    ] as const) {
      const res = await t.call({
        method,
        url,
        headers: { 'content-type': 'application/json' },
        payload: 'null',
      });
      const m = message(res, 422);
      expect(m).toBe('The body is missing: send a JSON object.');
      expect(m).not.toContain('undefined');
    }
  });

  it("a missing email says it is required, not 'must be an email address'", async () => {
    const missing = await t.call({
      method: 'POST',
      url: '/api/v1/users',
      payload: { display_name: 'No Email' },
    });
    expect(message(missing, 422)).toBe(
      'Invalid body: email: is required: the email address of the person',
    );
    const wrong = await t.call({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: 'nope' },
    });
    expect(message(wrong, 422)).toBe('Invalid body: email: must be an email address');
  });

  it("a cross-site logout says sign-out, not 'Cross-site sign-in'", async () => {
    const res = await t.call({
      method: 'POST',
      url: '/auth/logout',
      auth: null,
      headers: { origin: 'https://evil.example' },
    });
    const m = message(res, 403);
    expect(m).toMatch(/^Cross-site sign-out requests are refused; use http/);
    expect(m).not.toContain('sign-in');
  });
});
