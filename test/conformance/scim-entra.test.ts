import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { expectStatus } from '../support/json.js';
import {
  asGroup,
  asUser,
  ENTERPRISE_URN,
  expectScim,
  expectScimError,
  GROUP_URN,
  LIST_URN,
  PATCH_OP,
  type ScimClient,
  type ScimRig,
  scimRig,
  USER_URN,
} from '../support/scim.js';

/**
 * Microsoft Entra ID's provisioning service as documented (shared/reference/scim-clients.md
 * §B: E-01…E-34) and as its SCIM Validator behaves, one quirk per test.
 */
const MS_GROUP_URI = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

function entraUser(n: string) {
  return {
    schemas: [USER_URN, ENTERPRISE_URN],
    externalId: randomUUID(),
    userName: `Test_User_${n}@testuser.com`,
    active: true,
    emails: [{ primary: true, type: 'work', value: `Test_User_${n}_mail@testuser.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  };
}

const expectStatusJson = (res: Parameters<typeof expectStatus>[0]) =>
  expectStatus<{ data: Record<string, unknown>[] }>(res, 200);

const patch = (...Operations: Record<string, unknown>[]) => ({ schemas: [PATCH_OP], Operations });

describe.each(dialects())('Entra ID (%s)', (dialect) => {
  let r: ScimRig;
  let entra: ScimClient;
  let n = 0;
  const create = async (body: Record<string, unknown> = entraUser(`${dialect}-${n++}`)) =>
    asUser(expectScim(await entra.send('POST', '/Users', body), 201));
  const read = async (id: string) =>
    asUser(expectScim(await entra.send('GET', `/Users/${id}`), 200));

  beforeAll(async () => {
    r = await scimRig(dialect);
    entra = r.scim;
  });
  afterAll(async () => r?.close());

  describe('users', () => {
    it('E-01 Test connection: a random userName eq lookup is 200 with an empty ListResponse', async () => {
      const b = expectScim(
        await entra.send('GET', `/Users?filter=userName eq "${randomUUID()}"`),
        200,
      );
      expect(b).toMatchObject({
        schemas: [LIST_URN],
        totalResults: 0,
        Resources: [],
        startIndex: 1,
      });
    });

    it('E-02 create: the enterprise URN without its object and the client meta are accepted', async () => {
      const body = entraUser('create');
      const u = await create(body);
      expect(u).toMatchObject({
        externalId: body.externalId,
        userName: body.userName,
        active: true,
      });
      expect(u.meta.resourceType).toBe('User');
      expect(u.meta.created).toBeTruthy();
      expect(u.meta.lastModified).toBeTruthy();
      expect(u.emails).toEqual(body.emails);
    });

    it('E-03 create: null attributes, a misspelt extension URN and top-level department are ignored', async () => {
      const u = await create({
        schemas: [USER_URN, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
        externalId: 'jyoung',
        userName: `jyoung.${dialect}@testuser.com`,
        active: true,
        addresses: null,
        displayName: 'Joy Young',
        emails: [{ type: 'work', value: `jyoung.${dialect}@Contoso.com`, primary: true }],
        meta: { resourceType: 'User' },
        name: { familyName: 'Young', givenName: 'Joy' },
        phoneNumbers: null,
        preferredLanguage: null,
        title: null,
        department: null,
        manager: null,
      });
      expect(u.addresses).toBeUndefined();
      expect(u[ENTERPRISE_URN]).toBeUndefined();
      expect(u.displayName).toBe('Joy Young');
    });

    it('E-04 to E-07 read by id, by userName query, and a query with no match', async () => {
      const u = await create();
      expect((await read(u.id)).userName).toBe(u.userName);
      const hit = expectScim(
        await entra.send('GET', `/Users?filter=userName eq "${u.userName}"`),
        200,
      );
      expect(hit).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
      expect(hit.Resources?.[0]?.id).toBe(u.id);
      const miss = expectScim(
        await entra.send('GET', '/Users?filter=userName eq "non-existent user"'),
        200,
      );
      expect(miss).toMatchObject({ totalResults: 0, Resources: [] });
      const e = expectScimError(await entra.send('GET', '/Users/5171a35d82074e068ce2'), 404);
      expect(e.detail).toContain('5171a35d82074e068ce2');
    });

    it('E-08 Replace of emails[type eq "work"].value and name.familyName', async () => {
      const u = await create();
      const b = asUser(
        expectScim(
          await entra.send(
            'PATCH',
            `/Users/${u.id}`,
            patch(
              {
                op: 'Replace',
                path: 'emails[type eq "work"].value',
                value: `updated.${u.id}@microsoft.com`,
              },
              { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
            ),
          ),
          200,
        ),
      );
      expect(b.emails).toEqual([
        { primary: true, type: 'work', value: `updated.${u.id}@microsoft.com` },
      ]);
      expect(b.name?.familyName).toBe('updatedFamilyName');
      expect((await r.t.services.users.get(u.id)).email).toBe(`updated.${u.id}@microsoft.com`);
    });

    it('E-09 Replace userName; a userName someone else has is 409 uniqueness', async () => {
      const u = await create();
      const other = await create();
      const renamed = `${randomUUID()}@testuser.com`;
      const b = asUser(
        expectScim(
          await entra.send(
            'PATCH',
            `/Users/${u.id}`,
            patch({ op: 'Replace', path: 'userName', value: renamed }),
          ),
          200,
        ),
      );
      expect(b.userName).toBe(renamed);
      expectScimError(
        await entra.send(
          'PATCH',
          `/Users/${u.id}`,
          patch({ op: 'Replace', path: 'userName', value: other.userName.toUpperCase() }),
        ),
        409,
        'uniqueness',
      );
      expect((await read(u.id)).userName).toBe(renamed);
    });

    it('E-10 and E-11 disable with Replace active false, and with the string "False"', async () => {
      const a = await create();
      const b = await create();
      const one = await entra.send('PATCH', `/Users/${a.id}`, {
        Operations: [{ op: 'Replace', path: 'active', value: false }],
        schemas: [PATCH_OP],
      });
      expect(asUser(expectScim(one, 200)).active).toBe(false);
      const two = await entra.send(
        'PATCH',
        `/Users/${b.id}`,
        patch({ op: 'Replace', path: 'active', value: 'False' }),
      );
      expect(asUser(expectScim(two, 200)).active).toBe(false);
      expect((await r.t.services.users.get(b.id)).active).toBe(false);
    });

    it('E-12 Add of a single-valued attribute, with "Add" and "add"', async () => {
      const u = await create();
      for (const op of ['Add', 'add']) {
        const b = expectScim(
          await entra.send(
            'PATCH',
            `/Users/${u.id}`,
            patch({ op, path: 'nickName', value: `Babs-${op}` }),
          ),
          200,
        );
        expect(b.nickName).toBe(`Babs-${op}`);
      }
    });

    it('E-13 six Replace operations at once, the enterprise employeeNumber inside its extension', async () => {
      const u = await create();
      const b = asUser(
        expectScim(
          await entra.send(
            'PATCH',
            `/Users/${u.id}`,
            patch(
              { op: 'Replace', path: 'displayName', value: 'Pvlo' },
              {
                op: 'Replace',
                path: 'emails[type eq "work"].value',
                value: `Bcwqnm.${u.id}@test.microsoft.com`,
              },
              { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
              { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
              { op: 'Replace', path: 'externalId', value: 'Eqpj' },
              { op: 'Replace', path: `${ENTERPRISE_URN}:employeeNumber`, value: 'Eqpj' },
            ),
          ),
          200,
        ),
      );
      expect(b).toMatchObject({ displayName: 'Pvlo', externalId: 'Eqpj' });
      expect(b.name).toMatchObject({ givenName: 'Gtfd', familyName: 'Pkqf' });
      expect(b[ENTERPRISE_URN]).toEqual({ employeeNumber: 'Eqpj' });
      expect(b.schemas).toContain(ENTERPRISE_URN);
    });

    it('E-14 a path-less replace with dotted and URN-qualified keys lands on nested attributes', async () => {
      const u = await create();
      const b = asUser(
        expectScim(
          await entra.send(
            'PATCH',
            `/Users/${u.id}`,
            patch(
              {
                op: 'replace',
                path: 'emails[type eq "work"].value',
                value: `Mhvaes.${u.id}@test.microsoft.com`,
              },
              {
                op: 'replace',
                value: {
                  displayName: 'Bjfe',
                  'name.givenName': 'Kkom',
                  'name.familyName': 'Unua',
                  [`${ENTERPRISE_URN}:employeeNumber`]: 'Aklq',
                },
              },
            ),
          ),
          200,
        ),
      );
      expect(b.name).toMatchObject({ givenName: 'Kkom', familyName: 'Unua' });
      expect(b[ENTERPRISE_URN]).toEqual({ employeeNumber: 'Aklq' });
      expect(Object.keys(b).filter((k) => k.startsWith('name.'))).toEqual([]);
    });

    it('E-15 DELETE is 204; then the user, a second DELETE and an unknown id are 404', async () => {
      const u = await create();
      const del = await entra.send('DELETE', `/Users/${u.id}`);
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      expectScimError(await entra.send('GET', `/Users/${u.id}`), 404);
      expectScimError(await entra.send('DELETE', `/Users/${u.id}`), 404);
      expectScimError(await entra.send('DELETE', `/Users/${randomUUID()}`), 404);
    });

    it('E-24 manager on the bare path is not the enterprise one: ignored, and the activity log says so', async () => {
      const u = await create();
      const a = asUser(
        expectScim(
          await entra.send(
            'PATCH',
            `/Users/${u.id}`,
            patch({
              op: 'Add',
              path: 'manager',
              value: [
                {
                  $ref: 'http://x/scim/Users/00aa00aa',
                  value: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
                },
              ],
            }),
          ),
          200,
        ),
      );
      expect(a[ENTERPRISE_URN]).toBeUndefined();
      const activity = expectStatusJson(
        await r.t.call({
          method: 'GET',
          url: `/api/v1/scim/activity?token_id=${r.tokenId}&limit=1`,
        }),
      );
      expect(activity.data[0]).toMatchObject({
        method: 'PATCH',
        status: 200,
        ignored: ['manager'],
      });
    });

    it('E-25 manager on the enterprise URN path, as an object', async () => {
      const u = await create();
      const b = asUser(
        expectScim(
          await entra.send(
            'PATCH',
            `/Users/${u.id}`,
            patch({
              op: 'add',
              path: `${ENTERPRISE_URN}:manager`,
              value: { value: 'AXTKDLNRKMKT' },
            }),
          ),
          200,
        ),
      );
      expect(b[ENTERPRISE_URN]).toEqual({ manager: { value: 'AXTKDLNRKMKT' } });
      expect(Object.keys(b).filter((k) => k.toLowerCase().includes('manager'))).toEqual([]);
    });

    it('E-26 replacing the manager with an empty value removes it', async () => {
      const u = await create();
      await entra.send(
        'PATCH',
        `/Users/${u.id}`,
        patch({ op: 'add', path: `${ENTERPRISE_URN}:manager`, value: { value: 'M1' } }),
      );
      const b = asUser(
        expectScim(
          await entra.send(
            'PATCH',
            `/Users/${u.id}`,
            patch({ op: 'replace', path: `${ENTERPRISE_URN}:manager`, value: { value: '' } }),
          ),
          200,
        ),
      );
      expect(b[ENTERPRISE_URN]).toBeUndefined();
    });

    it('E-27 creating a duplicate user is 409 in application/scim+json', async () => {
      const body = entraUser(`dup-${dialect}`);
      await create(body);
      expectScimError(
        await entra.send('POST', '/Users', { ...body, externalId: randomUUID() }),
        409,
        'uniqueness',
      );
    });

    it('E-28 a filter on userName in another case finds the user', async () => {
      const u = await create({
        ...entraUser('x'),
        userName: `ford_purdy.${dialect}@abernathypadberg.uk`,
      });
      const b = expectScim(
        await entra.send(
          'GET',
          `/Users?filter=userName+eq+"FORD_PURDY.${dialect.toUpperCase()}@ABERNATHYPADBERG.UK"`,
        ),
        200,
      );
      expect(b.totalResults).toBe(1);
      expect(b.Resources?.[0]?.id).toBe(u.id);
    });

    it('E-29 the Validator\'s full user: "primary": "True" in roles, manager, timezone, phone numbers, address', async () => {
      const u = await create({
        schemas: [USER_URN, ENTERPRISE_URN],
        userName: `validator.${dialect}@contoso.com`,
        active: true,
        displayName: 'Validator Person',
        timezone: 'Europe/Berlin',
        profileUrl: 'https://contoso.com/p/1',
        emails: [{ type: 'work', value: `validator.${dialect}@contoso.com`, primary: true }],
        roles: [
          {
            primary: 'True',
            display: 'Role',
            value: 'role-1',
            type: 'WindowsAzureActiveDirectoryRole',
          },
        ],
        phoneNumbers: [
          { type: 'work', value: '+1 555 0100' },
          { type: 'mobile', value: '+1 555 0101' },
          { type: 'fax', value: '+1 555 0102' },
        ],
        addresses: [
          { type: 'work', streetAddress: '1 Main St', locality: 'Springfield', country: 'US' },
        ],
        [ENTERPRISE_URN]: { manager: { value: 'boss-1' }, department: 'R&D' },
      });
      expect(u.roles).toEqual([
        {
          primary: true,
          display: 'Role',
          value: 'role-1',
          type: 'WindowsAzureActiveDirectoryRole',
        },
      ]);
      expect(u.timezone).toBe('Europe/Berlin');
      expect(u.phoneNumbers).toHaveLength(3);
      expect(u[ENTERPRISE_URN]).toEqual({ manager: { value: 'boss-1' }, department: 'R&D' });
    });

    it('E-30 Replace on value paths edits the matching elements in place', async () => {
      const u = await create({
        ...entraUser(`e30-${dialect}`),
        phoneNumbers: [
          { type: 'work', value: '1' },
          { type: 'mobile', value: '2' },
        ],
        addresses: [{ type: 'work', streetAddress: 'old', locality: 'old town' }],
      });
      const b = asUser(
        expectScim(
          await entra.send(
            'PATCH',
            `/Users/${u.id}`,
            patch(
              { op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '100' },
              { op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: 'new' },
              { op: 'replace', path: 'addresses[type eq "work"].locality', value: 'new town' },
            ),
          ),
          200,
        ),
      );
      expect(b.phoneNumbers).toEqual([
        { type: 'work', value: '100' },
        { type: 'mobile', value: '2' },
      ]);
      expect(b.addresses).toEqual([{ type: 'work', streetAddress: 'new', locality: 'new town' }]);
    });

    it('entra: Replace on a value path that does not exist yet creates it', async () => {
      const u = await create();
      const b = asUser(
        expectScim(
          await entra.send(
            'PATCH',
            `/Users/${u.id}`,
            patch(
              { op: 'Replace', path: 'phoneNumbers[type eq "work"].value', value: '+49 30 1234' },
              { op: 'Replace', path: 'addresses[type eq "work"].postalCode', value: '10115' },
            ),
          ),
          200,
        ),
      );
      expect(b.phoneNumbers).toEqual([{ type: 'work', value: '+49 30 1234' }]);
      expect(b.addresses).toEqual([{ type: 'work', postalCode: '10115' }]);
    });

    it('E-33 an unquoted externalId value in a filter is a string', async () => {
      const u = await create({ ...entraUser(`e33-${dialect}`), externalId: `jyoung${dialect}` });
      const b = expectScim(
        await entra.send('GET', `/Users?filter=externalId eq jyoung${dialect}`),
        200,
      );
      expect(b.Resources?.map((x) => x.id)).toEqual([u.id]);
    });

    it('E-34 a lookup by work email', async () => {
      const u = await create();
      const email = u.emails?.[0]?.value ?? '';
      const b = expectScim(
        await entra.send('GET', `/Users?filter=emails[type eq "work"].value eq "${email}"`),
        200,
      );
      expect(b.Resources?.map((x) => x.id)).toEqual([u.id]);
    });
  });

  describe('groups', () => {
    const group = async (displayName: string, extra: Record<string, unknown> = {}) =>
      asGroup(
        expectScim(
          await entra.send('POST', '/Groups', {
            schemas: [GROUP_URN, MS_GROUP_URI],
            externalId: randomUUID(),
            displayName,
            meta: { resourceType: 'Group' },
            ...extra,
          }),
          201,
        ),
      );
    const memberIds = async (gid: string) =>
      (asGroup(expectScim(await entra.send('GET', `/Groups/${gid}`), 200)).members ?? [])
        .map((m) => m.value)
        .sort();

    it("E-16 create with Microsoft's schema URI: 201 with an empty members list; the object id is the team id", async () => {
      const externalId = randomUUID();
      const g = await group(`displayName-${dialect}`, { externalId });
      expect(g).toMatchObject({
        schemas: [GROUP_URN],
        externalId,
        displayName: `displayName-${dialect}`,
        members: [],
      });
      expect(g.id).toBe(externalId.toLowerCase());
      const team = await r.t.services.teams.get(g.id);
      expect(team.source).toBe(`scim:${r.tokenId}`);
    });

    it('entra: group create with members', async () => {
      const a = await create();
      const b = await create();
      const g = await group(`with-members-${dialect}`, {
        members: [{ value: a.id }, { value: b.id }],
      });
      expect((g.members ?? []).map((m) => m.value).sort()).toEqual([a.id, b.id].sort());
    });

    it('E-17 and E-18 excludedAttributes=members on read and on a displayName query', async () => {
      const u = await create();
      const g = await group(`excluded-${dialect}`, { members: [{ value: u.id }] });
      const one = expectScim(
        await entra.send('GET', `/Groups/${g.id}?excludedAttributes=members`),
        200,
      );
      expect(one.members).toBeUndefined();
      expect(one.displayName).toBe(`excluded-${dialect}`);
      const q = expectScim(
        await entra.send(
          'GET',
          `/Groups?excludedAttributes=members&filter=displayName eq "excluded-${dialect}"`,
        ),
        200,
      );
      expect(q.totalResults).toBe(1);
      expect(q.Resources?.[0]?.members).toBeUndefined();
    });

    it('E-19 Replace displayName answers 204 and renames the team', async () => {
      const g = await group(`before-${dialect}`);
      const res = await entra.send(
        'PATCH',
        `/Groups/${g.id}`,
        patch({ op: 'Replace', path: 'displayName', value: `${g.id}updatedDisplayName` }),
      );
      expect(res.status).toBe(204);
      expect((await r.t.services.teams.get(g.id)).name).toBe(`${g.id}updatedDisplayName`);
    });

    it('E-20 Add members with "$ref": null; adding one again does not duplicate it', async () => {
      const u = await create();
      const g = await group(`add-${dialect}`);
      for (let i = 0; i < 2; i++) {
        const res = await entra.send(
          'PATCH',
          `/Groups/${g.id}`,
          patch({ op: 'Add', path: 'members', value: [{ $ref: null, value: u.id }] }),
        );
        expect(res.status).toBe(204);
      }
      expect(await memberIds(g.id)).toEqual([u.id]);
      expect((await r.t.services.memberships.listTeamMembers(g.id)).length).toBe(1);
    });

    it('E-21 member removal by a value list removes only those members', async () => {
      const [a, b, c] = [await create(), await create(), await create()];
      const g = await group(`remove-list-${dialect}`, {
        members: [{ value: a.id }, { value: b.id }, { value: c.id }],
      });
      const res = await entra.send(
        'PATCH',
        `/Groups/${g.id}`,
        patch({ op: 'Remove', path: 'members', value: [{ $ref: null, value: b.id }] }),
      );
      expect(res.status).toBe(204);
      expect(await memberIds(g.id)).toEqual([a.id, c.id].sort());
    });

    it('E-22 member removal by value filter', async () => {
      const [a, b] = [await create(), await create()];
      const g = await group(`remove-filter-${dialect}`, {
        members: [{ value: a.id }, { value: b.id }],
      });
      const res = await entra.send(
        'PATCH',
        `/Groups/${g.id}`,
        patch({ op: 'remove', path: `members[value eq "${a.id}"]` }),
      );
      expect(res.status).toBe(204);
      expect(await memberIds(g.id)).toEqual([b.id]);
      const left = await r.t.services.memberships.listTeamMembers(g.id);
      expect(left.map((m) => m.user_id)).toEqual([b.id]);
    });

    it('E-23 DELETE a group', async () => {
      const g = await group(`doomed-${dialect}`);
      expect((await entra.send('DELETE', `/Groups/${g.id}`)).status).toBe(204);
      expectScimError(await entra.send('GET', `/Groups/${g.id}`), 404);
    });

    it('E-27 creating a group with a displayName that exists (in another case) is 409', async () => {
      await group(`Duplicate-${dialect}`);
      expectScimError(
        await entra.send('POST', '/Groups', {
          schemas: [GROUP_URN],
          displayName: `duplicate-${dialect}`,
          externalId: randomUUID(),
        }),
        409,
        'uniqueness',
      );
    });

    it('E-28 a displayName filter in another case finds the group', async () => {
      const g = await group(`UHYYWKURUTZS${dialect.toUpperCase()}`);
      const b = expectScim(
        await entra.send('GET', `/Groups?filter=displayName+eq+"uhyywkurutzs${dialect}"`),
        200,
      );
      expect(b.Resources?.map((x) => x.id)).toEqual([g.id]);
    });

    it('E-31 replace of externalId without path, and replace of members', async () => {
      const [a, b] = [await create(), await create()];
      const g = await group(`e31-${dialect}`, { members: [{ value: a.id }] });
      const newExternal = randomUUID();
      expect(
        (
          await entra.send(
            'PATCH',
            `/Groups/${g.id}`,
            patch({ op: 'replace', value: { externalId: newExternal } }),
          )
        ).status,
      ).toBe(204);
      expect(
        (
          await entra.send(
            'PATCH',
            `/Groups/${g.id}`,
            patch({ op: 'replace', path: 'members', value: [{ value: b.id }] }),
          )
        ).status,
      ).toBe(204);
      const read = asGroup(expectScim(await entra.send('GET', `/Groups/${g.id}`), 200));
      expect(read.externalId).toBe(newExternal);
      expect(read.id).toBe(g.id);
      expect((read.members ?? []).map((m) => m.value)).toEqual([b.id]);
    });

    it('E-32 add then remove the same member in one PATCH leaves it out', async () => {
      const u = await create();
      const g = await group(`e32-${dialect}`);
      const res = await entra.send(
        'PATCH',
        `/Groups/${g.id}`,
        patch(
          { op: 'add', path: 'members', value: [{ value: u.id }] },
          { op: 'remove', path: `members[value eq "${u.id}"]` },
        ),
      );
      expect(res.status).toBe(204);
      expect(await memberIds(g.id)).toEqual([]);
    });
  });
});
