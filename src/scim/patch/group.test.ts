import { describe, expect, it } from 'vitest';
import { URN } from '../schema/types.js';
import { applyGroupPatch, applyMemberDelta } from './group.js';
import { parsePatchRequest } from './operations.js';

const group = { displayName: 'Test SCIMv2', externalId: 'ext-1' };

function patch(ops: unknown[], id = 'g1') {
  return applyGroupPatch(group, parsePatchRequest({ schemas: [URN.patchOp], Operations: ops }), id);
}

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}

describe('group PATCH → attributes + member delta', () => {
  it('okta: rename PATCH that carries the read-only id', () => {
    const r = patch([{ op: 'replace', value: { id: 'g1', displayName: 'Renamed' } }]);
    expect(r.resource).toEqual({ displayName: 'Renamed', externalId: 'ext-1' });
    expect(r.members).toEqual({ kind: 'change', add: [], remove: [] });
    expect(r.changed).toBe(true);
  });

  it('okta: the rename re-sent with the same name changes nothing', () => {
    const r = patch([{ op: 'replace', value: { id: 'g1', displayName: 'Test SCIMv2' } }]);
    expect(r.changed).toBe(false);
  });

  it('okta: remove one member by filter and add another in one PATCH', () => {
    const r = patch([
      { op: 'remove', path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' },
      {
        op: 'add',
        path: 'members',
        value: [{ value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' }],
      },
    ]);
    expect(r.members).toEqual({
      kind: 'change',
      add: ['23a35c27-23d3-4c03-b4c5-6443c09e7173'],
      remove: ['89bb1940-b905-4575-9e7f-6f887cfb368e'],
    });
    expect(applyMemberDelta(['89bb1940-b905-4575-9e7f-6f887cfb368e', 'keep'], r.members)).toEqual([
      'keep',
      '23a35c27-23d3-4c03-b4c5-6443c09e7173',
    ]);
  });

  it('okta: replace members with the full list', () => {
    const r = patch([
      { op: 'replace', path: 'members', value: [{ value: 'u1' }, { value: 'u2', display: 'x' }] },
    ]);
    expect(r.members).toEqual({ kind: 'replace', ids: ['u1', 'u2'] });
  });

  it('entra: Add members with "$ref": null', () => {
    const r = patch([
      { op: 'Add', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] },
    ]);
    expect(r.members).toEqual({ kind: 'change', add: ['f648f8d5ea4e4cd38e9c'], remove: [] });
  });

  it('entra: re-adding a member already in the team does not duplicate it', () => {
    const r = patch([{ op: 'Add', path: 'members', value: [{ value: 'u1' }, { value: 'u1' }] }]);
    expect(applyMemberDelta(['u1'], r.members)).toEqual(['u1']);
  });

  it('entra: Remove with a value list removes only the listed members', () => {
    const r = patch([
      { op: 'Remove', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] },
    ]);
    expect(r.members).toEqual({ kind: 'change', add: [], remove: ['f648f8d5ea4e4cd38e9c'] });
    expect(applyMemberDelta(['f648f8d5ea4e4cd38e9c', 'other'], r.members)).toEqual(['other']);
  });

  it('entra: member removal by value filter (with the feature flag)', () => {
    const r = patch([
      { op: 'remove', path: 'members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]' },
    ]);
    expect(r.members).toEqual({
      kind: 'change',
      add: [],
      remove: ['7f4bc1a3-285e-48ae-8202-5accb43efb0e'],
    });
  });

  it('entra validator: add then remove the same member in one PATCH leaves it out', () => {
    const r = patch([
      { op: 'add', path: 'members', value: [{ value: 'u1' }] },
      { op: 'remove', path: 'members[value eq "u1"]' },
    ]);
    expect(applyMemberDelta([], r.members)).toEqual([]);
    expect(r.members).toEqual({ kind: 'change', add: [], remove: ['u1'] });
  });

  it('entra validator: path-less replace of externalId, then replace members with one', () => {
    const r = patch([
      { op: 'replace', value: { externalId: '663fa3a8-0000-4000-8000-000000000000' } },
      { op: 'replace', path: 'members', value: [{ value: 'u9' }] },
    ]);
    expect(r.resource.externalId).toBe('663fa3a8-0000-4000-8000-000000000000');
    expect(r.members).toEqual({ kind: 'replace', ids: ['u9'] });
  });

  it('entra: Replace of displayName by path', () => {
    const r = patch([{ op: 'Replace', path: 'displayName', value: 'new name' }]);
    expect(r.resource.displayName).toBe('new name');
  });

  it('path-less add with a members key adds them', () => {
    const r = patch([{ op: 'add', value: { members: [{ value: 'u1' }], displayName: 'X' } }]);
    expect(r.members).toEqual({ kind: 'change', add: ['u1'], remove: [] });
    expect(r.resource.displayName).toBe('X');
  });

  it('remove of members after a replace edits the replacement set', () => {
    const r = patch([
      { op: 'replace', path: 'members', value: [{ value: 'a' }, { value: 'b' }] },
      { op: 'remove', path: 'members[value eq "a" or value eq "c"]' },
      { op: 'add', path: 'members', value: [{ value: 'd' }] },
    ]);
    expect(r.members).toEqual({ kind: 'replace', ids: ['b', 'd'] });
  });

  it('microsoft: remove members without value clears the list', () => {
    const r = patch([{ op: 'remove', path: 'members' }]);
    expect(r.members).toEqual({ kind: 'replace', ids: [] });
    expect(r.changed).toBe(true);
  });

  it('microsoft: extra operation fields (name: addMember) are ignored', () => {
    const r = patch([{ name: 'addMember', op: 'add', path: 'members', value: [{ value: 'u4' }] }]);
    expect(r.members).toEqual({ kind: 'change', add: ['u4'], remove: [] });
  });

  it('microsoft garbage: a bare string as a member is invalidValue (deviation, documented)', () => {
    const e = failure(() => patch([{ op: 'add', path: 'members', value: 'string id 1' }]));
    expect(e.code).toBe('invalid_value');
  });

  it('attack: nested groups are refused (type Group)', () => {
    const e = failure(() =>
      patch([{ op: 'add', path: 'members', value: [{ value: 'g2', type: 'Group' }] }]),
    );
    expect(e.code).toBe('invalid_value');
  });

  it('member filters other than value eq are refused, not half-applied', () => {
    expect(failure(() => patch([{ op: 'remove', path: 'members[display co "a"]' }])).code).toBe(
      'invalid_path',
    );
    expect(
      failure(() => patch([{ op: 'replace', path: 'members[value eq "a"]', value: {} }])).code,
    ).toBe('invalid_path');
    expect(failure(() => patch([{ op: 'replace', path: 'members.value', value: 'x' }])).code).toBe(
      'invalid_path',
    );
  });

  it('all or nothing: a rename followed by a bad member throws', () => {
    const e = failure(() =>
      patch([
        { op: 'replace', path: 'displayName', value: 'renamed' },
        { op: 'add', path: 'members', value: [{ display: 'no value' }] },
      ]),
    );
    expect(e.code).toBe('invalid_value');
  });

  it('removing the required displayName is invalidValue', () => {
    expect(failure(() => patch([{ op: 'remove', path: 'displayName' }])).code).toBe(
      'invalid_value',
    );
  });

  it('10,000 members are added as a delta of ids, with no member list to read', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const r = patch([{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }]);
    expect(r.members.kind).toBe('change');
    expect((r.members as { add: string[] }).add).toHaveLength(10_000);
  });
});
