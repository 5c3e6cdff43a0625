import { describe, expect, it } from 'vitest';
import { URN } from '../schema/types.js';
import { parseGroup, renderGroup, type ScimTeamRow, teamIdFor } from './group.js';
import { ifMatchHolds } from './meta.js';

const BASE = 'https://gw.acme.com/scim/v2';

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}

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
