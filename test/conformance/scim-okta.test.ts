import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import {
  asUser,
  ERROR_URN,
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
 * Okta's documented SCIM 2.0 sequences (shared/reference/scim-clients.md §A): the Runscope
 * "SPEC test" behind "Test API Credentials" (O-01…O-12) and the provisioning requests of
 * Okta's SCIM 2.0 reference (O-13…O-27), with Okta's headers.
 */
const OKTA_GET = {
  'accept-charset': 'utf-8',
  accept: 'application/scim+json',
  'user-agent': 'OKTA SCIM Integration',
};
const OKTA_POST = {
  'content-type': 'application/json',
  accept: 'application/scim+json; charset=utf-8',
  'user-agent': 'OKTA SCIM Integration',
};

function oktaUser(userName: string, given: string, family: string) {
  return {
    schemas: [USER_URN],
    userName,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${given} ${family}`,
    active: true,
  };
}

const list = (b: Record<string, unknown>) => b.Resources as Record<string, unknown>[];

describe.each(dialects())('Okta (%s)', (dialect) => {
  let r: ScimRig;
  let okta: ScimClient;
  beforeAll(async () => {
    r = await scimRig(dialect);
    okta = r.scim;
    // Okta's SPEC test reads Resources[0] and needs one user with these fields (O-01 precondition).
    expectScim(
      await okta.send('POST', '/Users', oktaUser('seed.user@atko.com', 'Seed', 'User'), OKTA_POST),
      201,
    );
  });
  afterAll(async () => r?.close());

  describe('Test API Credentials (the SPEC test)', () => {
    let isvUserId = '';
    const random = `Runscope${Math.floor(Math.random() * 900 + 100)}Abcdefgh123@atko.com`;
    let idUserOne = '';

    it('O-01 lists one user with numeric counts and the fields Okta checks', async () => {
      const b = expectScim(
        await okta.send('GET', '/Users?count=1&startIndex=1', undefined, OKTA_GET),
        200,
      );
      expect(b.schemas).toContain(LIST_URN);
      for (const k of ['itemsPerPage', 'startIndex', 'totalResults'])
        expect(typeof b[k]).toBe('number');
      const first = asUser(list(b)[0]);
      expect(list(b)).toHaveLength(1);
      for (const v of [
        first.id,
        first.name?.familyName,
        first.name?.givenName,
        first.userName,
        first.emails?.[0]?.value,
      ])
        expect(v).toBeTruthy();
      expect(first.active).toBe(true);
      isvUserId = first.id;
    });

    it('O-02 reads that user by id', async () => {
      const b = expectScim(await okta.send('GET', `/Users/${isvUserId}`, undefined, OKTA_GET), 200);
      expect(b.id).toBe(isvUserId);
      expect((b.name as Record<string, unknown>).givenName).toBe('Seed');
    });

    it('O-03 and O-05: a filter on a user name nobody has is an empty list, not a 404', async () => {
      for (const name of ['abcdefgh@atko.com', random]) {
        const b = expectScim(
          await okta.send('GET', `/Users?filter=userName eq "${name}"`, undefined, OKTA_GET),
          200,
        );
        expect(b.schemas).toContain(LIST_URN);
        expect(b.totalResults).toBe(0);
        expect(b.Resources).toEqual([]);
      }
    });

    it('O-04 and O-12: an unknown id is a 404 with a detail and the Error schema', async () => {
      for (const id of ['010101001010101011001010101011', '00919288221112222']) {
        const e = expectScimError(await okta.send('GET', `/Users/${id}`, undefined, OKTA_GET), 404);
        expect(e.detail).not.toBe('');
      }
    });

    it('O-06 and O-07 create a user with realistic values (sent as plain JSON), then read it', async () => {
      const res = await okta.send(
        'POST',
        '/Users',
        oktaUser(random, 'Runscope123', 'Abcdefgh123'),
        OKTA_POST,
      );
      const b = asUser(expectScim(res, 201));
      expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      expect(b.active).toBe(true);
      expect(b.id).toBeTruthy();
      expect(b.name).toMatchObject({ familyName: 'Abcdefgh123', givenName: 'Runscope123' });
      expect(b.schemas).toContain(USER_URN);
      expect(b.userName).toBe(random);
      expect(res.headers.get('location')).toBe(b.meta.location);
      expect(res.headers.get('etag')).toBe(b.meta.version);
      idUserOne = b.id;
      const read = expectScim(
        await okta.send('GET', `/Users/${idUserOne}`, undefined, OKTA_GET),
        200,
      );
      expect(read.userName).toBe(random);
    });

    it('O-08 creating the same user again is 409 uniqueness', async () => {
      const body = oktaUser(random, 'Runscope123', 'Abcdefgh123');
      expectScimError(await okta.send('POST', '/Users', body, OKTA_POST), 409, 'uniqueness');
    });

    it('O-09 finds the user by its name in upper case (userName is case-insensitive)', async () => {
      const b = expectScim(
        await okta.send(
          'GET',
          `/Users?filter=userName eq "${random.toUpperCase()}"`,
          undefined,
          OKTA_GET,
        ),
        200,
      );
      expect(b.totalResults).toBe(1);
      expect(list(b)[0]?.id).toBe(idUserOne);
    });

    it('O-10 lists groups as an array', async () => {
      expectScim(
        await okta.send(
          'POST',
          '/Groups',
          { schemas: [GROUP_URN], displayName: 'Seed group' },
          OKTA_POST,
        ),
        201,
      );
      const b = expectScim(await okta.send('GET', '/Groups', undefined, OKTA_GET), 200);
      expect(Array.isArray(b.Resources)).toBe(true);
      expect((b.Resources ?? []).length).toBeGreaterThan(0);
    });

    it('O-11 a header that is not a bearer token is a 401 with status "401" and the Error schema', async () => {
      const res = await okta.send(
        'GET',
        `/Users?filter=userName eq "${random.toUpperCase()}"`,
        undefined,
        {
          ...OKTA_GET,
          authorization: 'non-token',
        },
      );
      const e = expectScimError(res, 401);
      expect(e.detail).not.toBe('');
      expect(res.body.schemas).toEqual([ERROR_URN]);
    });
  });

  describe('provisioning a user', () => {
    let uid = '';
    const userName = `test.user.${dialect}@okta.local`;

    it('O-13 then O-14: looks the user up, then creates it with password, groups and externalId', async () => {
      const lookup = expectScim(
        await okta.send(
          'GET',
          `/Users?filter=userName%20eq%20%22${encodeURIComponent(userName)}%22&startIndex=1&count=100`,
        ),
        200,
      );
      expect(lookup).toEqual({
        schemas: [LIST_URN],
        totalResults: 0,
        startIndex: 1,
        itemsPerPage: 0,
        Resources: [],
      });
      const res = await okta.send('POST', '/Users', {
        schemas: [USER_URN],
        userName,
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: userName, type: 'work' }],
        displayName: 'Test User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        password: '1mz050nq',
        active: true,
      });
      const b = expectScim(res, 201);
      expect(b).toMatchObject({
        userName,
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        active: true,
      });
      expect(res.text).not.toContain('password');
      expect(res.text).not.toContain('1mz050nq');
      uid = String(b.id);
    });

    it('O-15 PUT sends the user back whole (with id, meta and groups) and changes name.middleName', async () => {
      const read = expectScim(await okta.send('GET', `/Users/${uid}`), 200);
      const res = await okta.send('PUT', `/Users/${uid}`, {
        schemas: [USER_URN],
        id: uid,
        userName,
        name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
        emails: [{ primary: true, value: userName, type: 'work', display: userName }],
        active: true,
        groups: [],
        meta: { resourceType: 'User' },
      });
      const b = asUser(expectScim(res, 200));
      expect(b.name).toEqual({ givenName: 'Another', middleName: 'Excited', familyName: 'User' });
      // PUT replaces: the locale and externalId the body leaves out are gone.
      expect(b.locale).toBeUndefined();
      expect(b.meta.version).not.toBe((read.meta as Record<string, unknown>).version);
    });

    it('O-16 and O-18 deactivate with a path-less PATCH; the user stays readable, inactive', async () => {
      const b = expectScim(
        await okta.send('PATCH', `/Users/${uid}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', value: { active: false } }],
        }),
        200,
      );
      expect(b.active).toBe(false);
      const read = expectScim(await okta.send('GET', `/Users/${uid}`), 200);
      expect(read.active).toBe(false);
    });

    it('O-17 reactivates the same user, with the same id', async () => {
      expectScim(
        await okta.send('PATCH', `/Users/${uid}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', value: { active: true } }],
        }),
        200,
      );
      const read = expectScim(await okta.send('GET', `/Users/${uid}`), 200);
      expect(read).toMatchObject({ id: uid, active: true, userName });
    });

    it('O-19 imports page by page: integer counts, same order whatever the page size', async () => {
      for (let i = 0; i < 5; i++)
        expectScim(
          await okta.send(
            'POST',
            '/Users',
            oktaUser(`page${i}.${dialect}@okta.local`, `P${i}`, 'Page'),
          ),
          201,
        );
      const all = expectScim(await okta.send('GET', '/Users?startIndex=1&count=100'), 200);
      const ids = list(all).map((u) => u.id);
      const total = all.totalResults as number;
      expect(ids).toHaveLength(total);
      const paged: unknown[] = [];
      for (let start = 1; start <= total; start += 3) {
        const p = expectScim(await okta.send('GET', `/Users?startIndex=${start}&count=3`), 200);
        expect(p.startIndex).toBe(start);
        expect(p.totalResults).toBe(total);
        paged.push(...list(p).map((u) => u.id));
      }
      expect(paged).toEqual(ids);
    });
  });

  describe('group push', () => {
    let gid = '';
    let u1 = '';
    let u2 = '';
    let u3 = '';
    const members = async () => {
      const g = expectScim(await okta.send('GET', `/Groups/${gid}`), 200);
      return ((g.members as { value: string }[] | undefined) ?? []).map((m) => m.value).sort();
    };

    beforeAll(async () => {
      const make = async (n: string) =>
        String(
          expectScim(
            await okta.send('POST', '/Users', oktaUser(`${n}.${dialect}@push.local`, n, 'Push')),
            201,
          ).id,
        );
      u1 = await make('one');
      u2 = await make('two');
      u3 = await make('three');
    });

    it('O-20 creates the group with no members', async () => {
      const b = expectScim(
        await okta.send('POST', '/Groups', {
          schemas: [GROUP_URN],
          displayName: 'Test SCIMv2',
          members: [],
        }),
        201,
      );
      expect(b).toMatchObject({ schemas: [GROUP_URN], displayName: 'Test SCIMv2', members: [] });
      expect((b.meta as Record<string, unknown>).resourceType).toBe('Group');
      gid = String(b.id);
    });

    it('O-21 finds it by displayName, and an absent one as an empty list', async () => {
      const hit = expectScim(
        await okta.send(
          'GET',
          '/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100',
        ),
        200,
      );
      expect(hit.totalResults).toBe(1);
      expect(list(hit)[0]?.id).toBe(gid);
      const miss = expectScim(
        await okta.send('GET', '/Groups?filter=displayName eq "No such group"'),
        200,
      );
      expect(miss).toMatchObject({ totalResults: 0, Resources: [] });
    });

    it('O-26 and O-22 set members with PUT, then read them with value and display', async () => {
      const put = expectScim(
        await okta.send('PUT', `/Groups/${gid}`, {
          schemas: [GROUP_URN],
          displayName: 'Test SCIMv2',
          members: [{ value: u1, display: 'one.push.local' }],
        }),
        200,
      );
      expect(put.members).toEqual([
        expect.objectContaining({ value: u1, display: 'one Push', type: 'User' }),
      ]);
      expect(await members()).toEqual([u1]);
    });

    it('O-23 renames with a PATCH whose value repeats the read-only id', async () => {
      const res = await okta.send('PATCH', `/Groups/${gid}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { id: gid, displayName: 'Test SCIMv2 renamed' } }],
      });
      expect(res.status).toBe(204);
      const g = expectScim(await okta.send('GET', `/Groups/${gid}`), 200);
      expect(g.displayName).toBe('Test SCIMv2 renamed');
      const team = await r.t.services.teams.get(gid);
      expect(team.name).toBe('Test SCIMv2 renamed');
    });

    it('O-24 removes one member by filter and adds another in one PATCH', async () => {
      expectScim(
        await okta.send('PATCH', `/Groups/${gid}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: [{ value: u2 }] }],
        }),
        204,
      );
      expect(await members()).toEqual([u1, u2].sort());
      const res = await okta.send('PATCH', `/Groups/${gid}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'remove', path: `members[value eq "${u1}"]` },
          { op: 'add', path: 'members', value: [{ value: u3, display: 'three' }] },
        ],
      });
      expect(res.status).toBe(204);
      expect(await members()).toEqual([u2, u3].sort());
    });

    it('O-25 a full membership push replaces the members exactly', async () => {
      expect(
        (
          await okta.send('PATCH', `/Groups/${gid}`, {
            schemas: [PATCH_OP],
            Operations: [{ op: 'replace', path: 'members', value: [{ value: u1 }, { value: u2 }] }],
          })
        ).status,
      ).toBe(204);
      expect(await members()).toEqual([u1, u2].sort());
      const teamMembers = await r.t.services.memberships.listTeamMembers(gid);
      expect(teamMembers.map((m) => m.user_id).sort()).toEqual([u1, u2].sort());
      expect(
        teamMembers.every((m) => m.sources.every((x) => x.source === `scim:${r.tokenId}`)),
      ).toBe(true);
    });

    it('O-27 deletes the group; it is gone', async () => {
      expect((await okta.send('DELETE', `/Groups/${gid}`)).status).toBe(204);
      expectScimError(await okta.send('GET', `/Groups/${gid}`), 404);
    });
  });
});
