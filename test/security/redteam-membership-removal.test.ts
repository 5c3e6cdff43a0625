import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GlobalRole } from '../../src/config/roles.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';

/**
 * Team and org admins may add only ordinary people, but removing and changing memberships used
 * to be open for everyone in the team or organization: an org admin could strip a fellow org
 * admin (or a proxy admin) of their organization, which they then could not even undo, and a
 * team admin could demote or remove a proxy admin.
 */
describe.each(dialects())('removing or changing stronger people’s memberships (%s)', (dialect) => {
  let t: TestApp;
  let org: string;
  let team: string;
  let orgAdmin: { id: string; key: string };
  let peer: { id: string; key: string };
  let proxy: { id: string; key: string };
  let lead: { id: string; key: string };
  let dev: { id: string; key: string };

  async function person(role: GlobalRole, email: string) {
    const u = await t.write((s) => t.services.users.create(s, { email, role }));
    const k = await t.write((s) =>
      t.services.keys.create(s, { user_id: u.id, purpose: 'management' }),
    );
    return { id: u.id, key: k.key };
  }
  const inOrg = (id: string, role: 'org_admin' | 'member') =>
    t.write((s) => t.services.memberships.addOrgMember(s, org, id, role, { source: 'manual' }));
  const inTeam = (id: string, role: 'admin' | 'member') =>
    t.write((s) => t.services.memberships.addTeamMember(s, team, id, role, { source: 'manual' }));

  beforeAll(async () => {
    t = await testApp(dialect);
    org = (await t.write((s) => t.services.organizations.create(s, { name: 'X' }))).id;
    team = (await t.write((s) => t.services.teams.create(s, { name: 'tx', organization_id: org })))
      .id;
    orgAdmin = await person('org_admin', 'a@acme.com');
    peer = await person('org_admin', 'b@acme.com');
    proxy = await person('proxy_admin', 'p@acme.com');
    lead = await person('internal_user', 'lead@acme.com');
    dev = await person('internal_user', 'dev@acme.com');
    for (const u of [orgAdmin, peer, proxy]) await inOrg(u.id, 'org_admin');
    await inOrg(dev.id, 'member');
    await inTeam(lead.id, 'admin');
    await inTeam(proxy.id, 'admin');
    await inTeam(peer.id, 'member');
    await inTeam(dev.id, 'member');
  });
  afterAll(async () => t.close());

  const dropOrg = (userId: string, key: string) =>
    t.call({ method: 'DELETE', url: `/api/v1/organizations/${org}/members/${userId}`, auth: key });
  const dropTeam = (userId: string, key: string) =>
    t.call({ method: 'DELETE', url: `/api/v1/teams/${team}/members/${userId}`, auth: key });
  const setTeamRole = (userId: string, key: string, role: string) =>
    t.call({
      method: 'PATCH',
      url: `/api/v1/teams/${team}/members/${userId}`,
      auth: key,
      payload: { role },
    });

  it('an org admin cannot remove a fellow org admin or a proxy admin from the organization', async () => {
    expectError(await dropOrg(peer.id, orgAdmin.key), 403, 'forbidden');
    expectError(await dropOrg(proxy.id, orgAdmin.key), 403, 'forbidden');
    // The peer still runs the organization.
    expectStatus(
      await t.call({ method: 'GET', url: `/api/v1/organizations/${org}`, auth: peer.key }),
      200,
    );
    const members = expectStatus<{ data: { user_id: string }[] }>(
      await t.call({ method: 'GET', url: `/api/v1/organizations/${org}/members` }),
      200,
    ).data.map((m) => m.user_id);
    expect(members).toEqual(expect.arrayContaining([peer.id, proxy.id]));
  });

  it('a team admin or org admin cannot demote or remove a stronger team member', async () => {
    expectError(await setTeamRole(proxy.id, lead.key, 'member'), 403, 'forbidden');
    expectError(await dropTeam(proxy.id, lead.key), 403, 'forbidden');
    expectError(await setTeamRole(peer.id, lead.key, 'admin'), 403, 'forbidden');
    expectError(await dropTeam(peer.id, orgAdmin.key), 403, 'forbidden');
    const members = expectStatus<{ data: { user_id: string; role: string }[] }>(
      await t.call({ method: 'GET', url: `/api/v1/teams/${team}/members` }),
      200,
    ).data;
    expect(members.find((m) => m.user_id === proxy.id)?.role).toBe('admin');
    expect(members.map((m) => m.user_id)).toContain(peer.id);
  });

  it('ordinary people can still be changed and removed, and anyone may leave', async () => {
    expectStatus(await setTeamRole(dev.id, lead.key, 'admin'), 200);
    expectStatus(await dropTeam(dev.id, lead.key), 204);
    expectStatus(await dropOrg(dev.id, orgAdmin.key), 204);
    // Leaving is always allowed: the org admin leaves the organization themselves.
    expectStatus(await dropOrg(orgAdmin.id, orgAdmin.key), 204);
    // A proxy admin may remove anyone.
    expectStatus(await dropTeam(peer.id, proxy.key), 204);
  });
});
