import { describe, expect, it } from 'vitest';
import type { RoleMapping, UserDetail } from '../api/types.js';
import {
  completePrecedence,
  draftToMapping,
  factsFromUser,
  mappingTable,
  mappingToDraft,
  move,
  problemsByRule,
} from './mapping.js';

const mapping: RoleMapping = {
  precedence: ['org_admin', 'proxy_admin'],
  default_role: 'internal_user_viewer',
  app_roles: false,
  rules: [
    { group: 'litellm-owners', role: 'proxy_admin' },
    { group_regex: '^eng-.*-leads$', team: 'Platform', team_role: 'admin' },
    { claim: 'litellm_roles', equals: 'owner', role: 'proxy_admin', connection: 'okta' },
    { claim: 'dept', contains: 'fin', organization: 'Acme', org_role: 'org_admin' },
  ],
};

describe('role mapping editor', () => {
  it('a mapping survives the editor unchanged (draft round trip)', () => {
    const back = draftToMapping(mappingToDraft(mapping));
    expect(back.rules).toEqual(mapping.rules);
    expect(back.default_role).toBe('internal_user_viewer');
    expect(back.app_roles).toBe(false);
    // A partial stored precedence is shown (and saved) complete, in the server's order.
    expect(back.precedence).toEqual(completePrecedence(['org_admin', 'proxy_admin']));
    expect(back.precedence?.slice(0, 2)).toEqual(['org_admin', 'proxy_admin']);
  });

  it('no precedence stays no precedence', () => {
    const d = mappingToDraft({ ...mapping, precedence: undefined });
    expect(d.precedence).toBeNull();
    expect('precedence' in draftToMapping(d)).toBe(false);
  });

  it('up and down move one place and stop at the ends', () => {
    expect(move(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(move(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(move(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(move(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
  });

  it('server problems land on the rule they name', () => {
    const p = problemsByRule([
      { path: 'rules[1]', message: 'grants nothing' },
      { path: 'rules[1].role', message: 'unknown role' },
      { path: 'body', message: 'Unrecognized key' },
    ]);
    expect(p.rules.get(1)).toEqual(['grants nothing', 'unknown role']);
    expect(p.other).toEqual(['body: Unrecognized key']);
  });
});

describe('printable mapping table', () => {
  it('lists every rule, then the default, with the role permissions', () => {
    const rows = mappingTable(mapping);
    expect(rows.map((r) => r.when)).toEqual([
      'group litellm-owners',
      'group matching /^eng-.*-leads$/',
      'claim litellm_roles = "owner" (connection okta)',
      'claim dept contains "fin"',
      'no rule or app role grants a role',
    ]);
    expect(rows[0]?.permissions.some((p) => p.includes('(all)'))).toBe(true);
    expect(rows[1]?.grants).toBe('admin of team Platform');
    expect(rows[1]?.permissions).toEqual([]);
    expect(rows[4]?.role).toBe('internal_user_viewer');
  });

  it('app roles add one row per role when enabled', () => {
    const rows = mappingTable({ ...mapping, app_roles: true });
    expect(rows.filter((r) => r.when.startsWith('app role'))).toHaveLength(5);
  });
});

describe('pick a user', () => {
  it('rebuilds the facts the API shows: connection, IdP groups, matched claims and app roles', () => {
    const u = {
      source: 'sso:entra',
      teams: [
        { team_id: 't1', name: 'ml-research', role: 'member', source: 'sso:entra' },
        { team_id: 't2', name: 'handmade', role: 'member', source: 'manual' },
      ],
      role_explanation: {
        role: 'proxy_admin',
        decided_by: 'rule',
        matched: [
          { rule: 0, matched: 'group litellm-owners, group litellm-admins', grants: {} },
          { rule: 1, matched: 'claim dept=finance', grants: {} },
          { rule: 'app_role', matched: 'app role org_admin', grants: {} },
        ],
      },
    } as unknown as UserDetail;
    const f = factsFromUser(u);
    expect(f.connection).toBe('entra');
    expect(f.groups.sort()).toEqual(['litellm-admins', 'litellm-owners', 'ml-research']);
    expect(f.roles).toEqual(['org_admin']);
    expect(f.claims).toEqual({ dept: 'finance' });
  });
});
