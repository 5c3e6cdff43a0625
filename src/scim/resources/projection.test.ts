import { describe, expect, it } from 'vitest';
import { GROUP_RESOURCE, USER_RESOURCE } from '../schema/definitions.js';
import { URN } from '../schema/types.js';
import { parseResource } from './parse.js';
import { parseProjection, project, wantsAttribute } from './projection.js';
import { renderUser, userToWrite } from './user.js';

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

function stored(resource: Record<string, unknown>) {
  const w = userToWrite(resource);
  return {
    id: 'u-1',
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
