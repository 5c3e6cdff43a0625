import { describe, expect, it } from 'vitest';
import type { ScimObject } from '../resources/values.js';
import { USER_RESOURCE } from '../schema/definitions.js';
import { URN } from '../schema/types.js';
import { applyPatch } from './engine.js';
import { parsePatchRequest } from './operations.js';

const ENT = URN.enterprise;

function patchUser(resource: ScimObject, ops: unknown[], id = 'u1') {
  return applyPatch(
    USER_RESOURCE,
    resource,
    parsePatchRequest({ schemas: [URN.patchOp], Operations: ops }),
    id,
  );
}

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}

const alice = (): ScimObject => ({
  userName: 'alice@acme.com',
  active: true,
  name: { givenName: 'Alice', familyName: 'Liddell' },
  emails: [{ value: 'alice@acme.com', type: 'work', primary: true }],
});

describe('real clients, one quirk per test', () => {
  it('entra: capitalised op names (Add, Replace, Remove)', () => {
    const r = patchUser({ ...alice(), title: 't' }, [
      { op: 'Add', path: 'nickName', value: 'Babs' },
      { op: 'Replace', path: 'displayName', value: 'Alice L' },
      { op: 'Remove', path: 'title' },
    ]);
    expect(r.resource).toMatchObject({ nickName: 'Babs', displayName: 'Alice L' });
    expect(r.resource.title).toBeUndefined();
  });

  it('entra: "False" and "True" strings for booleans', () => {
    const off = patchUser(alice(), [{ op: 'Replace', path: 'active', value: 'False' }]);
    expect(off.resource.active).toBe(false);
    const on = patchUser(off.resource, [{ op: 'Replace', path: 'active', value: 'True' }]);
    expect(on.resource.active).toBe(true);
  });

  it('entra: path-less replace with dotted keys and a URN-qualified key (aadOptscim062020)', () => {
    const r = patchUser(alice(), [
      {
        op: 'replace',
        path: 'emails[type eq "work"].value',
        value: 'TestMhvaes@test.microsoft.com',
      },
      {
        op: 'replace',
        value: {
          displayName: 'Bjfe',
          'name.givenName': 'Kkom',
          'name.familyName': 'Unua',
          [`${ENT}:employeeNumber`]: 'Aklq',
        },
      },
    ]);
    expect(r.resource).toMatchObject({
      displayName: 'Bjfe',
      name: { givenName: 'Kkom', familyName: 'Unua' },
      emails: [{ value: 'TestMhvaes@test.microsoft.com', type: 'work', primary: true }],
      [ENT]: { employeeNumber: 'Aklq' },
    });
    expect(Object.keys(r.resource)).not.toContain('name.givenName');
  });

  it('entra: six Replace operations without the feature flag, employeeNumber in the extension', () => {
    const r = patchUser(alice(), [
      { op: 'Replace', path: 'displayName', value: 'Pvlo' },
      {
        op: 'Replace',
        path: 'emails[type eq "work"].value',
        value: 'TestBcwqnm@test.microsoft.com',
      },
      { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
      { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
      { op: 'Replace', path: 'externalId', value: 'Eqpj' },
      { op: 'Replace', path: `${ENT}:employeeNumber`, value: 'Eqpj' },
    ]);
    expect(r.resource).toMatchObject({
      displayName: 'Pvlo',
      externalId: 'Eqpj',
      name: { givenName: 'Gtfd', familyName: 'Pkqf' },
      [ENT]: { employeeNumber: 'Eqpj' },
    });
  });

  it('entra: Replace on a value path that does not exist yet creates it', () => {
    const r = patchUser({ userName: 'bob' }, [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'bob@contoso.com' },
      { op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555' },
      { op: 'Replace', path: 'addresses[type eq "work"].postalCode', value: '98052' },
    ]);
    expect(r.resource).toMatchObject({
      emails: [{ type: 'work', value: 'bob@contoso.com' }],
      phoneNumbers: [{ type: 'mobile', value: '+1 555' }],
      addresses: [{ type: 'work', postalCode: '98052' }],
    });
  });

  it('entra: Replace on value paths that exist edits the matching elements in place', () => {
    const r = patchUser(
      {
        userName: 'bob',
        addresses: [
          { type: 'work', streetAddress: 'Old 1', locality: 'Old town' },
          { type: 'home', locality: 'Home town' },
        ],
      },
      [
        {
          op: 'replace',
          path: 'addresses[type eq "work"].streetAddress',
          value: '1 Microsoft Way',
        },
        { op: 'replace', path: 'addresses[type eq "work"].locality', value: 'Redmond' },
      ],
    );
    expect(r.resource.addresses).toEqual([
      { type: 'work', streetAddress: '1 Microsoft Way', locality: 'Redmond' },
      { type: 'home', locality: 'Home town' },
    ]);
  });

  it('entra: manager added as a one-element list on the bare path (.NET reference flow)', () => {
    const r = patchUser(alice(), [
      {
        op: 'Add',
        path: 'manager',
        value: [{ $ref: 'http://x/scim/Users/m1', value: 'm1' }],
      },
    ]);
    // `manager` without the URN is not a core attribute: ignored rather than stored flat.
    expect(r.ignored).toEqual(['manager']);
    const urn = patchUser(alice(), [
      {
        op: 'Add',
        path: `${ENT}:manager`,
        value: [{ $ref: 'http://x/scim/Users/m1', value: 'm1' }],
      },
    ]);
    expect(urn.resource[ENT]).toEqual({ manager: { $ref: 'http://x/scim/Users/m1', value: 'm1' } });
  });

  it('entra: manager as an object, as a bare string, and removed with an empty value', () => {
    const obj = patchUser(alice(), [
      { op: 'add', path: `${ENT}:manager`, value: { value: 'AXTKDLNRKMKT' } },
    ]);
    expect(obj.resource[ENT]).toEqual({ manager: { value: 'AXTKDLNRKMKT' } });
    const str = patchUser(alice(), [{ op: 'add', path: `${ENT}:manager`, value: 'AXTKDLNRKMKT' }]);
    expect(str.resource[ENT]).toEqual({ manager: { value: 'AXTKDLNRKMKT' } });
    for (const empty of [{ value: '' }, '']) {
      const gone = patchUser(obj.resource, [
        { op: 'replace', path: `${ENT}:manager`, value: empty },
      ]);
      expect(gone.resource[ENT]).toBeUndefined();
    }
  });

  it('entra: the whole enterprise extension object as a path-less key', () => {
    const r = patchUser(alice(), [
      { op: 'replace', value: { [ENT]: { Department: 'Sales', costCenter: 'C1' } } },
    ]);
    expect(r.resource[ENT]).toEqual({ department: 'Sales', costCenter: 'C1' });
  });

  it('microsoft: capitalised sub-attribute names in values', () => {
    const r = patchUser(alice(), [
      { op: 'add', path: 'emails', value: [{ Value: 'x@acme.com', Type: 'home', Primary: false }] },
    ]);
    expect(r.resource.emails).toContainEqual({ value: 'x@acme.com', type: 'home', primary: false });
  });

  it('okta: deactivate and reactivate with a path-less replace of active', () => {
    const off = patchUser(alice(), [{ op: 'replace', value: { active: false } }]);
    expect(off.resource.active).toBe(false);
    const on = patchUser(off.resource, [{ op: 'replace', value: { active: true } }]);
    expect(on.resource.active).toBe(true);
  });

  it('okta: a path-less value carrying the unchanged read-only id is accepted', () => {
    const r = patchUser(alice(), [{ op: 'replace', value: { id: 'u1', displayName: 'A' } }], 'u1');
    expect(r.resource.displayName).toBe('A');
    expect(r.resource.id).toBeUndefined();
  });

  it('attack: a PATCH that tries to change the id is refused (mutability)', () => {
    const e = failure(() => patchUser(alice(), [{ op: 'replace', value: { id: 'other' } }], 'u1'));
    expect(e.code).toBe('mutability');
    expect(failure(() => patchUser(alice(), [{ op: 'remove', path: 'id' }], 'u1')).code).toBe(
      'mutability',
    );
  });

  it('attack: a PATCH cannot set groups (membership is changed on /Groups only)', () => {
    const e = failure(() =>
      patchUser(alice(), [{ op: 'replace', value: { groups: [{ value: 'admins' }] } }]),
    );
    expect(e.code).toBe('mutability');
  });
});
