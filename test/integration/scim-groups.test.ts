import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionSchema } from '../../src/config/connection-schema.js';
import { completeSignIn } from '../../src/sso/login.js';
import { dialects } from '../support/db.js';
import {
  asGroup,
  asUser,
  expectScim,
  GROUP_URN,
  PATCH_OP,
  type ScimRig,
  scimRig,
  USER_URN,
} from '../support/scim.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const BIG = 10_500;

/** Groups are teams: shared with SSO group sync and the API, each source owning its memberships. */
describe.each(dialects())('SCIM groups as teams (%s)', (dialect) => {
  let r: ScimRig;
  const entra = connectionSchema.parse({
    id: 'entra',
    type: 'oidc',
    issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    client_id: 'c',
  });
  const ssoSignIn = (oid: string, groups: { id: string; name: string }[]) =>
    completeSignIn(r.t.services.signIn, entra, {
      subject: `${TENANT}:${oid}`,
      email: `${oid}@contoso.com`,
      emailVerified: true,
      userName: `${oid}@contoso.com`,
      displayName: null,
      givenName: null,
      familyName: null,
      groups,
      groupsComplete: true,
      claims: { oid, tid: TENANT },
      roles: [],
    });
  const scimUser = async (name: string) =>
    asUser(
      expectScim(
        await r.scim.send('POST', '/Users', {
          schemas: [USER_URN],
          userName: name,
          displayName: name,
        }),
        201,
      ),
    );
  const patch = (gid: string, ...Operations: Record<string, unknown>[]) =>
    r.scim.send('PATCH', `/Groups/${gid}`, { schemas: [PATCH_OP], Operations });

  beforeAll(async () => {
    r = await scimRig(dialect, {
      litellm_settings: {
        default_team_params: { max_budget: 250, budget_duration: '30d', models: ['gpt-4o-mini'] },
      },
    });
  });
  afterAll(async () => r?.close());

  it('a team SCIM creates gets default_team_params, like every other path', async () => {
    const g = asGroup(
      expectScim(
        await r.scim.send('POST', '/Groups', {
          schemas: [GROUP_URN],
          displayName: `defaults-${dialect}`,
        }),
        201,
      ),
    );
    const team = await r.t.services.teams.get(g.id);
    expect(team).toMatchObject({
      max_budget: 250,
      budget_duration: '30d',
      models: ['gpt-4o-mini'],
      source: `scim:${r.tokenId}`,
    });
  });

  it("SSO group sync first, SCIM second: Entra's object id links the group to the same team", async () => {
    const gid = randomUUID();
    const oid = randomUUID();
    const s = await ssoSignIn(oid, [{ id: gid, name: `Engineering-${dialect}` }]);
    expect(s.sync.created).toHaveLength(1);
    const u = await scimUser(`linker.${dialect}@contoso.com`);
    const g = asGroup(
      expectScim(
        await r.scim.send('POST', '/Groups', {
          schemas: [GROUP_URN],
          externalId: gid.toUpperCase(),
          displayName: `Engineering-${dialect}`,
          members: [{ value: u.id }],
        }),
        201,
      ),
    );
    expect(g.id).toBe(gid);
    const teams = await r.t.db.kysely
      .selectFrom('teams')
      .select('id')
      .where('name', '=', `Engineering-${dialect}`)
      .execute();
    expect(teams).toHaveLength(1);
    const members = await r.t.services.memberships.listTeamMembers(gid);
    expect(members.flatMap((m) => m.sources.map((x) => x.source)).sort()).toEqual(
      [`scim:${r.tokenId}`, 'sso:entra'].sort(),
    );
    // SCIM shows and manages its own members only: the SSO member is not SCIM's to list or remove.
    expect((g.members ?? []).map((m) => m.value)).toEqual([u.id]);
    expect((await patch(gid, { op: 'remove', path: 'members' })).status).toBe(204);
    const left = await r.t.services.memberships.listTeamMembers(gid);
    expect(left.map((m) => m.user_id)).toEqual([s.user.id]);
  });

  it('SCIM first, SSO second: the sign-in joins the team SCIM made, no second team', async () => {
    const gid = randomUUID();
    const g = asGroup(
      expectScim(
        await r.scim.send('POST', '/Groups', {
          schemas: [GROUP_URN],
          externalId: gid,
          displayName: `Research-${dialect}`,
        }),
        201,
      ),
    );
    const s = await ssoSignIn(randomUUID(), [{ id: gid, name: `Research-${dialect}` }]);
    expect(s.sync.created).toEqual([]);
    expect(s.sync.added).toContain(g.id);
    const members = await r.t.services.memberships.listTeamMembers(g.id);
    expect(members.map((m) => m.user_id)).toEqual([s.user.id]);
  });

  it('a membership an admin made by hand survives SCIM removing everyone', async () => {
    const a = await scimUser(`hand.${dialect}@acme.com`);
    const g = asGroup(
      expectScim(
        await r.scim.send('POST', '/Groups', {
          schemas: [GROUP_URN],
          displayName: `manual-${dialect}`,
          members: [{ value: a.id }],
        }),
        201,
      ),
    );
    await r.t.write((s) =>
      r.t.services.memberships.addTeamMember(s, g.id, a.id, 'admin', { source: 'manual' }),
    );
    expect((await patch(g.id, { op: 'replace', path: 'members', value: [] })).status).toBe(204);
    const members = await r.t.services.memberships.listTeamMembers(g.id);
    expect(members).toEqual([
      expect.objectContaining({
        user_id: a.id,
        role: 'admin',
        sources: [expect.objectContaining({ source: 'manual' })],
      }),
    ]);
  });

  it('DELETE of a team SCIM did not create lets go of it: its own memberships go, the team stays', async () => {
    const a = await scimUser(`keep.${dialect}@acme.com`);
    const team = await r.t.write((s) =>
      r.t.services.teams.create(s, { name: `hand-made-${dialect}`, max_budget: 7 }),
    );
    expectScim(
      await r.scim.send('PATCH', `/Groups/${team.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: a.id }] }],
      }),
      204,
    );
    const both = await r.t.services.memberships.listTeamMembers(team.id);
    expect(both[0]?.sources.length ?? 0).toBe(1);
    await r.t.write((s) =>
      r.t.services.memberships.addTeamMember(s, team.id, a.id, 'admin', { source: 'manual' }),
    );
    expect((await r.scim.send('DELETE', `/Groups/${team.id}`)).status).toBe(204);
    const still = await r.t.services.teams.get(team.id);
    expect(still).toMatchObject({ id: team.id, max_budget: 7, source: 'manual' });
    const members = await r.t.services.memberships.listTeamMembers(team.id);
    expect(members.map((m) => m.sources.map((x) => x.source))).toEqual([['manual']]);
  });

  it('members must be users of this directory: an admin account cannot be added through SCIM', async () => {
    const admin = await r.t.write((s) =>
      r.t.services.users.create(s, { email: `boss.${dialect}@acme.com`, role: 'proxy_admin' }),
    );
    const g = asGroup(
      expectScim(
        await r.scim.send('POST', '/Groups', {
          schemas: [GROUP_URN],
          displayName: `closed-${dialect}`,
        }),
        201,
      ),
    );
    const res = await patch(g.id, { op: 'add', path: 'members', value: [{ value: admin.id }] });
    expect(res.status).toBe(400);
    expect(await r.t.services.memberships.listTeamMembers(g.id)).toEqual([]);
  });

  describe(`a group of ${BIG} members`, () => {
    let gid = '';
    let ids: string[] = [];
    beforeAll(async () => {
      // Bulk-made users of this directory (SCIM POSTs one by one would take minutes here).
      const at = new Date().toISOString();
      ids = Array.from({ length: BIG }, (_, i) => `big-${dialect}-${String(i).padStart(5, '0')}`);
      for (let i = 0; i < ids.length; i += 500) {
        await r.t.db.kysely
          .insertInto('users')
          .values(
            ids.slice(i, i + 500).map((id) => ({
              id,
              user_name: `${id}@big.acme.com`,
              user_name_normalized: `${id}@big.acme.com`,
              display_name: id,
              role: 'internal_user_viewer',
              role_source: 'default',
              source: `scim:${r.tokenId}`,
              active: 1,
              models: '[]',
              spend: 0,
              created_at: at,
              updated_at: at,
            })),
          )
          .execute();
      }
      const g = asGroup(
        expectScim(
          await r.scim.send('POST', '/Groups', {
            schemas: [GROUP_URN],
            displayName: `big-${dialect}`,
          }),
          201,
        ),
      );
      gid = g.id;
    });

    it('one PATCH sets all members; another removes a few by filter', async () => {
      expect(
        (
          await patch(gid, {
            op: 'replace',
            path: 'members',
            value: ids.map((value) => ({ value })),
          })
        ).status,
      ).toBe(204);
      const remove = ids
        .slice(0, 3)
        .map((id) => `value eq "${id}"`)
        .join(' or ');
      expect((await patch(gid, { op: 'remove', path: `members[${remove}]` })).status).toBe(204);
      const n = await r.t.db.kysely
        .selectFrom('team_memberships')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('team_id', '=', gid)
        .executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(BIG - 3);
    });

    it('GET streams the members page by page: all of them, in order, with the same version', async () => {
      const res = await r.scim.send('GET', `/Groups/${gid}`);
      const g = asGroup(expectScim(res, 200));
      expect(res.headers.get('content-length')).toBeNull();
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      expect(g.members).toHaveLength(BIG - 3);
      expect(g.members?.[0]).toMatchObject({ value: ids[3], display: ids[3], type: 'User' });
      expect(g.members?.map((m) => m.value)).toEqual(ids.slice(3));
      expect(res.headers.get('etag')).toBe(g.meta.version);
      const only = asGroup(
        expectScim(await r.scim.send('GET', `/Groups/${gid}?attributes=members.value`), 200),
      );
      expect(only.members?.[0]).toEqual({ value: ids[3] });
      expect(only.displayName).toBeUndefined();
      const excluded = asGroup(
        expectScim(await r.scim.send('GET', `/Groups/${gid}?excludedAttributes=members`), 200),
      );
      expect(excluded.members).toBeUndefined();
      expect(excluded.meta.version).toBe(g.meta.version);
    });

    it('a list shows the big group without members (and small ones with theirs)', async () => {
      const list = expectScim(
        await r.scim.send(
          'GET',
          `/Groups?filter=displayName sw "big-${dialect}" or displayName eq "closed-${dialect}"`,
        ),
        200,
      );
      const big = list.Resources?.find((x) => x.id === gid);
      expect(big).toBeDefined();
      expect(big?.members).toBeUndefined();
      const small = list.Resources?.find((x) => x.id !== gid);
      expect(small?.members).toEqual([]);
    });

    it('a member filter on the big group is one lookup', async () => {
      const hit = expectScim(
        await r.scim.send(
          'GET',
          `/Groups?filter=members[value eq "${ids[5000]}"]&excludedAttributes=members`,
        ),
        200,
      );
      expect(hit.Resources?.map((x) => x.id)).toEqual([gid]);
    });
  });
});
