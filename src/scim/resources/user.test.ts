import { describe, expect, it } from 'vitest';
import { USER_RESOURCE } from '../schema/definitions.js';
import { URN } from '../schema/types.js';
import { locationOf } from './meta.js';
import { parseResource } from './parse.js';
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
