import { describe, expect, it } from 'vitest';
import { GROUP_RESOURCE, USER_RESOURCE } from '../schema/definitions.js';
import { URN } from '../schema/types.js';
import { parseGroup, renderGroup, type ScimTeamRow, teamIdFor } from './group.js';
import { ifMatchHolds, locationOf } from './meta.js';
import { parseResource } from './parse.js';
import { parseProjection, project, wantsAttribute } from './projection.js';
import { renderUser, type ScimUserRow, userFromRow, userToWrite } from './user.js';

const BASE = 'https://gw.acme.com/scim/v2';
const ENT = URN.enterprise;

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}

/** What a store would read back after writing `userToWrite(resource)`. */
function stored(resource: Record<string, unknown>, id = 'u-1'): ScimUserRow {
  const w = userToWrite(resource);
  return {
    id,
    user_name: w.user_name,
    email: w.email,
    display_name: w.display_name,
    given_name: w.given_name,
    family_name: w.family_name,
    active: w.active ? 1 : 0,
    external_id: w.external_id,
    created_at: '2024-01-01T00:00:00.000Z',
    updated_at: '2024-01-02T00:00:00.000Z',
    attributes: w.attributes,
  };
}

const user = (body: unknown) => parseResource(USER_RESOURCE, body);

describe('User bodies from real clients', () => {
  it('okta: create with realistic values (O-06) round-trips through the row', () => {
    const body = {
      schemas: [URN.user],
      userName: 'Runscope123Abcdefgh123@atko.com',
      name: { givenName: 'Runscope123', familyName: 'Abcdefgh123' },
      emails: [{ primary: true, value: 'Runscope123Abcdefgh123@atko.com', type: 'work' }],
      displayName: 'Runscope123 Abcdefgh123',
      active: true,
    };
    const { resource } = user(body);
    const w = userToWrite(resource);
    expect(w).toMatchObject({
      user_name: body.userName,
      email: body.userName,
      given_name: 'Runscope123',
      family_name: 'Abcdefgh123',
      display_name: 'Runscope123 Abcdefgh123',
      active: true,
      external_id: null,
    });
    const out = renderUser(stored(resource), { baseUrl: BASE });
    expect(out).toMatchObject({
      schemas: [URN.user],
      id: 'u-1',
      userName: body.userName,
      name: body.name,
      emails: body.emails,
      active: true,
      meta: {
        resourceType: 'User',
        created: '2024-01-01T00:00:00.000Z',
        lastModified: '2024-01-02T00:00:00.000Z',
        location: `${BASE}/Users/u-1`,
      },
    });
    expect(String((out.meta as { version: string }).version)).toMatch(/^W\/"[\w-]{22}"$/);
  });

  it('okta: password and groups: [] are accepted, the password is neither stored nor returned (O-14)', () => {
    const { resource, ignored } = user({
      schemas: [URN.user],
      userName: 'test.user@okta.local',
      externalId: '00ujl29u0le5T6Aj10h7',
      locale: 'en-US',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    expect(ignored).toContain('password (not stored)');
    expect(JSON.stringify(resource)).not.toContain('1mz050nq');
    expect(userToWrite(resource).attributes).not.toContain('1mz050nq');
    expect(resource.locale).toBe('en-US');
  });

  it('okta: PUT carrying read-only id, meta and groups (O-15)', () => {
    const { resource } = user({
      schemas: [URN.user],
      id: 'u-1',
      userName: 'test.user@okta.local',
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
      groups: [{ value: 'g' }],
      meta: { resourceType: 'User' },
    });
    expect(resource).toEqual({
      userName: 'test.user@okta.local',
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
    });
    const row = stored(resource);
    expect(JSON.parse(row.attributes ?? '{}')).toEqual({ name: { middleName: 'Excited' } });
    expect(userFromRow(row).name).toEqual({
      middleName: 'Excited',
      givenName: 'Another',
      familyName: 'User',
    });
  });

  it('entra: extension URN in schemas without an extension object; client meta ignored (E-02)', () => {
    const { resource } = user({
      schemas: [URN.user, ENT],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    });
    expect(resource.meta).toBeUndefined();
    expect(resource.roles).toBeUndefined();
    expect(renderUser(stored(resource), { baseUrl: BASE }).schemas).toEqual([URN.user]);
  });

  it('entra: nulls, a malformed extension URN and flat extension attributes (E-03)', () => {
    const { resource, ignored } = user({
      schemas: [URN.user, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
      externalId: 'jyoung',
      userName: 'jyoung@testuser.com',
      active: true,
      addresses: null,
      displayName: 'Joy Young',
      emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
      name: { familyName: 'Young', givenName: 'Joy' },
      phoneNumbers: null,
      preferredLanguage: null,
      title: null,
      department: null,
      manager: null,
    });
    expect(resource.addresses).toBeUndefined();
    expect(resource.title).toBeUndefined();
    expect(ignored).toEqual(['department', 'manager']);
  });

  it('entra validator: roles with "primary": "True", manager, timezone, phones (E-29)', () => {
    const { resource } = user({
      schemas: [URN.user, ENT],
      userName: 'v@contoso.com',
      roles: [
        {
          primary: 'True',
          display: 'Admin',
          value: 'admin',
          type: 'WindowsAzureActiveDirectoryRole',
        },
      ],
      timezone: 'Europe/Berlin',
      profileUrl: 'https://contoso.com/v',
      phoneNumbers: [
        { type: 'work', value: '1' },
        { type: 'mobile', value: '2' },
        { type: 'fax', value: '3' },
      ],
      [ENT]: { manager: { value: 'm-1' }, department: 'Sales' },
    });
    expect(resource.roles).toEqual([
      { primary: true, display: 'Admin', value: 'admin', type: 'WindowsAzureActiveDirectoryRole' },
    ]);
    expect(resource[ENT]).toEqual({ manager: { value: 'm-1' }, department: 'Sales' });
    const out = renderUser(stored(resource), { baseUrl: BASE });
    expect(out.schemas).toEqual([URN.user, ENT]);
    expect(out[ENT]).toEqual({ manager: { value: 'm-1' }, department: 'Sales' });
  });

  it('microsoft: capitalised sub-attributes and extension attributes (M-04)', () => {
    const { resource } = user({
      schemas: [ENT, URN.user],
      userName: 'UserName222',
      emails: [
        { Primary: true, type: 'work', value: 'testing@bob2.com' },
        { Primary: false, type: 'home', value: 'testinghome@bob3.com' },
      ],
      [ENT]: { Department: 'bob', Manager: { Value: 'SuzzyQ' } },
    });
    expect(resource.emails).toEqual([
      { primary: true, type: 'work', value: 'testing@bob2.com' },
      { primary: false, type: 'home', value: 'testinghome@bob3.com' },
    ]);
    expect(resource[ENT]).toEqual({ department: 'bob', manager: { value: 'SuzzyQ' } });
  });

  it('microsoft: "active": "True" is true (M-13); misspelt attributes are ignored (M-18)', () => {
    const { resource, ignored } = user({ userName: 'emp1', active: 'True', adreses: [] });
    expect(resource.active).toBe(true);
    expect(ignored).toEqual(['adreses']);
  });

  it('two primaries: the first stays primary', () => {
    const { resource } = user({
      userName: 'a',
      emails: [
        { value: 'a@x', primary: true },
        { value: 'b@x', primary: true },
      ],
    });
    expect(resource.emails).toEqual([
      { value: 'a@x', primary: true },
      { value: 'b@x', primary: false },
    ]);
    expect(userToWrite(resource).email).toBe('a@x');
  });
});

describe('bad User bodies', () => {
  it('microsoft: no userName, or userName misspelt → invalidValue (M-14, M-17)', () => {
    expect(failure(() => user({ active: true })).code).toBe('invalid_value');
    expect(failure(() => user({ userame: 'OMalley' })).message).toMatch(/'userName' is required/);
    expect(failure(() => user({ userName: '   ' })).code).toBe('invalid_value');
  });

  it('wrong types → invalidValue naming the attribute', () => {
    const cases: [unknown, RegExp][] = [
      [{ userName: 'a', active: 'yes' }, /'active' must be a boolean/],
      [{ userName: 42 }, /'userName' must be a string/],
      [{ userName: 'a', name: 'Alice' }, /'name' must be an object/],
      [{ userName: 'a', emails: ['a@x'] }, /'emails' must be an object/],
      [
        { userName: 'a', emails: [{ value: 'a@x', primary: 'yes' }] },
        /'emails.primary' must be a boolean/,
      ],
      [{ userName: 'a', [ENT]: 'Sales' }, /must be an object/],
      [{ userName: 'a', [ENT]: { manager: [{ value: 'a' }, { value: 'b' }] } }, /single object/],
    ];
    for (const [body, msg] of cases) {
      const e = failure(() => user(body));
      expect(e.code).toBe('invalid_value');
      expect(e.message).toMatch(msg);
    }
  });

  it('not an object, or schemas not a list → invalidSyntax', () => {
    expect(failure(() => user([])).code).toBe('invalid_syntax');
    expect(failure(() => user('x')).code).toBe('invalid_syntax');
    expect(failure(() => user({ userName: 'a', schemas: URN.user })).code).toBe('invalid_syntax');
  });
});

describe('stored users', () => {
  const base = stored(user({ userName: 'alice', emails: [{ value: 'a@acme.com' }] }).resource);

  it('columns win over JSON: a change made through the API shows', () => {
    const row = { ...base, display_name: 'Set by admin', active: 0 };
    expect(userFromRow(row)).toMatchObject({ displayName: 'Set by admin', active: false });
  });

  it('a user SCIM never wrote: email as userName and as the one primary email', () => {
    const row: ScimUserRow = { ...base, user_name: null, email: 'api@acme.com', attributes: null };
    expect(userFromRow(row)).toEqual({
      userName: 'api@acme.com',
      active: true,
      emails: [{ value: 'api@acme.com', primary: true }],
    });
  });

  it('the version follows the content, not the write path', () => {
    const v = (r: ScimUserRow) =>
      (renderUser(r, { baseUrl: BASE }).meta as { version: string }).version;
    expect(v(base)).toBe(v({ ...base }));
    expect(v({ ...base, display_name: 'x' })).not.toBe(v(base));
    expect(v({ ...base, active: 0 })).not.toBe(v(base));
  });

  it('groups are rendered with $ref when the caller read them', () => {
    const out = renderUser(base, { baseUrl: BASE, groups: [{ value: 't 1', display: 'Team' }] });
    expect(out.groups).toEqual([
      { value: 't 1', display: 'Team', $ref: `${BASE}/Groups/t%201`, type: 'direct' },
    ]);
  });

  it('attack: an id with URL syntax is percent-encoded in the location', () => {
    expect(locationOf(`${BASE}/`, '/Users', '../Groups/x?y#z')).toBe(
      `${BASE}/Users/..%2FGroups%2Fx%3Fy%23z`,
    );
  });
});

describe('Groups', () => {
  const row: ScimTeamRow = {
    id: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
    name: 'displayName',
    external_id: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
    created_at: '2024-01-01T00:00:00.000Z',
    updated_at: '2024-01-01T00:00:00.000Z',
  };

  it('entra: create with the Microsoft schema URI and no members (E-16)', () => {
    const g = parseGroup({
      schemas: [
        URN.group,
        'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
      ],
      externalId: '8AA1A0C0-C4C3-4BC0-B4A5-2EF676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    expect(g.resource).toEqual({
      externalId: '8AA1A0C0-C4C3-4BC0-B4A5-2EF676900159',
      displayName: 'displayName',
    });
    expect(g.memberIds).toBeUndefined();
    expect(teamIdFor(g.resource.externalId)).toBe('8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159');
  });

  it('okta: group push with members []; externalIds that are not object ids stay externalIds', () => {
    const g = parseGroup({ schemas: [URN.group], displayName: 'Test SCIMv2', members: [] });
    expect(g.memberIds).toEqual([]);
    expect(teamIdFor('$' + '{__UUID}')).toBeUndefined(); // the collection's JMeter placeholder
    expect(teamIdFor(undefined)).toBeUndefined();
  });

  it('microsoft: members with display; a group without displayName → invalidValue', () => {
    const g = parseGroup({ displayName: 'G2', members: [{ value: 'u3', display: 'VP' }] });
    expect(g.memberIds).toEqual(['u3']);
    expect(failure(() => parseGroup({ externalId: 'x' })).code).toBe('invalid_value');
    expect(failure(() => parseGroup({ displayName: 'G', members: ['u3'] })).code).toBe(
      'invalid_value',
    );
  });

  it('renders members with $ref and type, or none when excluded', () => {
    const stamp = { count: 1, lastAddedAt: '2024-01-01T00:00:00.000Z' };
    const full = renderGroup(row, {
      baseUrl: BASE,
      stamp,
      members: [{ value: 'u1', display: 'Alice' }],
    });
    expect(full).toMatchObject({
      schemas: [URN.group],
      id: row.id,
      externalId: row.external_id,
      displayName: 'displayName',
      members: [{ value: 'u1', display: 'Alice', $ref: `${BASE}/Users/u1`, type: 'User' }],
      meta: { resourceType: 'Group', location: `${BASE}/Groups/${row.id}` },
    });
    const bare = renderGroup(row, { baseUrl: BASE, stamp });
    expect(bare.members).toBeUndefined();
    expect((bare.meta as { version: string }).version).toBe(
      (full.meta as { version: string }).version,
    );
  });

  it('the version changes when membership does, without listing members', () => {
    const v = (count: number, at: string | null) =>
      (
        renderGroup(row, { baseUrl: BASE, stamp: { count, lastAddedAt: at } }).meta as {
          version: string;
        }
      ).version;
    expect(v(1, 'a')).not.toBe(v(2, 'a'));
    expect(v(1, 'a')).not.toBe(v(1, 'b'));
  });
});

describe('If-Match', () => {
  it('matches *, the current version (weak or strong) and lists', () => {
    expect(ifMatchHolds(undefined, 'W/"abc"')).toBe(true);
    expect(ifMatchHolds('*', 'W/"abc"')).toBe(true);
    expect(ifMatchHolds('W/"abc"', 'W/"abc"')).toBe(true);
    expect(ifMatchHolds('"abc"', 'W/"abc"')).toBe(true);
    expect(ifMatchHolds('W/"old", W/"abc"', 'W/"abc"')).toBe(true);
    expect(ifMatchHolds('W/"old"', 'W/"abc"')).toBe(false);
  });
});

describe('attributes and excludedAttributes', () => {
  const full = renderUser(
    stored(
      user({
        schemas: [URN.user, ENT],
        userName: 'UserName111',
        displayName: 'BobIsAmazing',
        name: { givenName: 'Ryan', familyName: 'Leenay', formatted: 'Ryan Leenay' },
        emails: [
          { primary: true, type: 'work', value: 'emailName357' },
          { primary: false, type: 'home', value: 'testinghome@bob.com' },
        ],
        [ENT]: { department: 'Sales', employeeNumber: '7' },
      }).resource,
    ),
    { baseUrl: BASE },
  );
  const view = (raw: { attributes?: unknown; excludedAttributes?: unknown }) =>
    project(full, parseProjection(USER_RESOURCE, raw));

  it('microsoft: attributes=userName,emails keeps id and schemas (M-05)', () => {
    expect(view({ attributes: 'userName,emails' })).toEqual({
      schemas: full.schemas,
      id: full.id,
      userName: 'UserName111',
      emails: full.emails,
    });
  });

  it('microsoft: attributes=emails[type eq "work"] returns the matching emails (M-12)', () => {
    expect(view({ attributes: 'emails[type eq "work"]' }).emails).toEqual([
      { primary: true, type: 'work', value: 'emailName357' },
    ]);
    expect(view({ attributes: 'emails[value eq "emailName357"]' }).emails).toHaveLength(1);
  });

  it('sub-attributes, enterprise attributes and whole extensions', () => {
    expect(view({ attributes: 'name.givenName, emails.value' })).toMatchObject({
      name: { givenName: 'Ryan' },
      emails: [{ value: 'emailName357' }, { value: 'testinghome@bob.com' }],
    });
    expect(view({ attributes: `${ENT}:department` })[ENT]).toEqual({ department: 'Sales' });
    expect(view({ attributes: ENT })[ENT]).toEqual({ department: 'Sales', employeeNumber: '7' });
  });

  it('excludedAttributes removes, but never id or schemas; unknown names are ignored', () => {
    const out = view({ excludedAttributes: 'emails,name.formatted,id,schemas,shoeSize,meta' });
    expect(out.emails).toBeUndefined();
    expect(out.meta).toBeUndefined();
    expect(out.name).toEqual({ givenName: 'Ryan', familyName: 'Leenay' });
    expect(out.id).toBe(full.id);
    expect(out.schemas).toEqual(full.schemas);
  });

  it('a malformed entry → invalidValue', () => {
    expect(failure(() => parseProjection(USER_RESOURCE, { attributes: 'emails[' })).code).toBe(
      'invalid_value',
    );
  });

  it('entra: excludedAttributes=members tells the store not to read members (E-17)', () => {
    expect(wantsAttribute(parseProjection(GROUP_RESOURCE, {}), 'members')).toBe(true);
    expect(
      wantsAttribute(parseProjection(GROUP_RESOURCE, { excludedAttributes: 'members' }), 'members'),
    ).toBe(false);
    expect(
      wantsAttribute(parseProjection(GROUP_RESOURCE, { attributes: 'displayName' }), 'members'),
    ).toBe(false);
    expect(
      wantsAttribute(parseProjection(GROUP_RESOURCE, { attributes: 'members.value' }), 'members'),
    ).toBe(true);
  });
});
