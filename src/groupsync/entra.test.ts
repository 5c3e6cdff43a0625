import { describe, expect, it } from 'vitest';
import { groupSyncSchema } from '../config/schema.js';
import { groupsInScope } from '../provisioning/scope.js';
import { entraGroups } from './entra.js';
import { type GraphClient, GraphError, type GraphGroup } from './microsoft-graph.js';

/** The decision logic on top of Graph answers; the HTTP client has its own tests. */
function graphAnswering(
  groups: GraphGroup[] | Error,
  assigned: GraphGroup[] | Error = [],
): GraphClient {
  const answer = <T>(v: T | Error) => (v instanceof Error ? Promise.reject(v) : Promise.resolve(v));
  return {
    userGroups: () => answer(groups),
    appAssignedGroups: () => answer(assigned),
    group: async () => null,
  };
}

const A = { id: 'aaaaaaaa-0000-4000-8000-000000000001', displayName: 'Team A' };
const B = { id: 'bbbbbbbb-0000-4000-8000-000000000002', displayName: 'Team B' };

describe('entraGroups', () => {
  it('takes the token’s ids as the membership and Graph only for names', async () => {
    const r = await entraGroups(graphAnswering([A, B]), {
      oid: 'x',
      tokenGroupIds: [A.id],
      needAssigned: false,
    });
    expect(r).toMatchObject({ complete: true, groups: [{ id: A.id, name: 'Team A' }] });
  });

  it('on overage, takes Graph’s transitive membership as the list', async () => {
    const r = await entraGroups(graphAnswering([A, B]), {
      oid: 'x',
      tokenGroupIds: null,
      needAssigned: false,
    });
    expect(r.groups.map((g) => g.name)).toEqual(['Team A', 'Team B']);
    expect(r.complete).toBe(true);
  });

  it('on overage with Graph down, says incomplete and invents nothing', async () => {
    const r = await entraGroups(
      graphAnswering(new GraphError('throttled', 'still throttled', 429)),
      {
        oid: 'x',
        tokenGroupIds: null,
        needAssigned: false,
      },
    );
    expect(r).toMatchObject({ complete: false, groups: [] });
    expect(r.problems[0]).toContain('still throttled');
  });

  it('with token ids and Graph down, keeps the ids (unnamed): existing teams still sync', async () => {
    const r = await entraGroups(graphAnswering(new GraphError('network', 'down')), {
      oid: 'x',
      tokenGroupIds: [A.id],
      needAssigned: false,
    });
    expect(r).toMatchObject({ complete: true, groups: [{ id: A.id, name: null }] });
  });

  it('is incomplete when app assignment is needed but Graph cannot list it', async () => {
    const r = await entraGroups(
      graphAnswering([A], new GraphError('http_error', 'forbidden', 403)),
      {
        oid: 'x',
        tokenGroupIds: [A.id],
        servicePrincipalId: 'sp',
        needAssigned: true,
      },
    );
    expect(r.complete).toBe(false);
    expect(r.assigned).toBeNull();
  });

  it('without Graph access at all, overage is incomplete', async () => {
    expect(
      (await entraGroups(null, { oid: 'x', tokenGroupIds: null, needAssigned: false })).complete,
    ).toBe(false);
  });
});

describe('groupsInScope', () => {
  const groups = [
    { id: A.id, name: 'ml-research' },
    { id: B.id, name: 'Everyone' },
    { id: null, name: 'eng-platform' },
    { id: 'cccccccc-0000-4000-8000-000000000003', name: null },
  ];

  it('keeps all groups by default, unnamed ones included (they can only match existing teams)', () => {
    expect(groupsInScope(groups, undefined, null)).toHaveLength(4);
  });

  it('filters by include patterns on names or ids', () => {
    const policy = groupSyncSchema.parse({ include: ['^ml-', '^eng-'] });
    // Sorted by id, then name: deterministic whatever the token's order.
    expect(groupsInScope(groups, policy, null).map((g) => g.name)).toEqual([
      'ml-research',
      'eng-platform',
    ]);
  });

  it('with assigned_to_app but no notion of app assignment (not Entra) filters nothing', () => {
    const policy = groupSyncSchema.parse({ scope: 'assigned_to_app' });
    expect(groupsInScope(groups, policy, undefined)).toHaveLength(4);
  });

  it('with assigned_to_app keeps only groups assigned to the app, and none when that is unknown', () => {
    const policy = groupSyncSchema.parse({ scope: 'assigned_to_app' });
    expect(groupsInScope(groups, policy, new Set([B.id])).map((g) => g.name)).toEqual(['Everyone']);
    expect(groupsInScope(groups, policy, null)).toEqual([]);
  });
});
