import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roleMappingSchema } from '../config/schema.js';
import { resolveRole } from './resolve.js';
import type { GroupRef, IdentityFacts } from './types.js';

const mapping = (m: unknown) => roleMappingSchema.parse(m);
const facts = (f: Partial<IdentityFacts>): IdentityFacts => ({
  connection: 'okta',
  groups: [],
  claims: {},
  roles: [],
  ...f,
});
const named = (...names: string[]): GroupRef[] => names.map((name) => ({ id: null, name }));

// The seed runbook's mapping (000 §9.3): Owner > Admin > Developer > Viewer.
const seedMapping = mapping({
  rules: [
    { group: 'litellm-owners', role: 'proxy_admin' },
    { group: 'litellm-admins', role: 'org_admin' },
    { group: 'litellm-developers', role: 'internal_user' },
    { group: 'litellm-readonly', role: 'internal_user_viewer' },
    { claim: 'litellm_roles', equals: 'owner', role: 'proxy_admin' },
  ],
});

describe('role resolver: the seed runbook’s test cases (000 §10.3)', () => {
  it('a member of litellm-owners only is an owner (proxy_admin)', () => {
    const r = resolveRole(seedMapping, facts({ groups: named('litellm-owners') }));
    expect(r.role).toBe('proxy_admin');
    expect(r.decided_by).toBe('rule');
    expect(r.matched).toEqual([
      { rule: 0, matched: 'group litellm-owners', grants: { role: 'proxy_admin' } },
    ]);
  });

  it('a member of litellm-admins and litellm-developers gets the higher role, in either order', () => {
    for (const groups of [
      named('litellm-admins', 'litellm-developers'),
      named('litellm-developers', 'litellm-admins'),
    ]) {
      const r = resolveRole(seedMapping, facts({ groups }));
      expect(r.role).toBe('org_admin');
      expect(r.matched.map((m) => m.rule)).toEqual([1, 2]);
    }
  });

  it('a member of litellm-readonly is a viewer; nobody matched gets the default role', () => {
    expect(resolveRole(seedMapping, facts({ groups: named('litellm-readonly') })).role).toBe(
      'internal_user_viewer',
    );
    const none = resolveRole(seedMapping, facts({ groups: named('marketing') }));
    expect(none).toMatchObject({
      role: 'internal_user_viewer',
      decided_by: 'default',
      matched: [],
    });
  });

  it('maps a custom claim (litellm_roles equals owner), in a list or alone', () => {
    expect(
      resolveRole(seedMapping, facts({ claims: { litellm_roles: ['dev', 'owner'] } })).role,
    ).toBe('proxy_admin');
    expect(resolveRole(seedMapping, facts({ claims: { litellm_roles: 'owner' } })).role).toBe(
      'proxy_admin',
    );
    expect(resolveRole(seedMapping, facts({ claims: { litellm_roles: 'owners' } })).role).toBe(
      'internal_user_viewer',
    );
  });
});

describe('role resolver: rules', () => {
  it('takes Entra app roles case-insensitively and picks the most privileged, not the first', () => {
    const r = resolveRole(
      mapping({}),
      facts({ roles: ['Internal_User', 'PROXY_ADMIN', 'not-a-role'] }),
    );
    expect(r.role).toBe('proxy_admin');
    expect(r.decided_by).toBe('app_role');
    expect(r.matched.map((m) => m.matched)).toEqual([
      'app role internal_user',
      'app role proxy_admin',
    ]);
    expect(resolveRole(mapping({ app_roles: false }), facts({ roles: ['proxy_admin'] })).role).toBe(
      'internal_user_viewer',
    );
  });

  it('follows a configured precedence instead of the default one', () => {
    const m = mapping({
      precedence: ['internal_user', 'proxy_admin_viewer'],
      rules: [
        { group: 'a', role: 'proxy_admin_viewer' },
        { group: 'b', role: 'internal_user' },
      ],
    });
    expect(resolveRole(m, facts({ groups: named('a', 'b') })).role).toBe('internal_user');
  });

  it('matches groups by id or by name, exactly, and by regex', () => {
    const m = mapping({
      rules: [
        { group: '6f1c2a8e-3b5d-4e7f-9a01-23456789abcd', role: 'proxy_admin_viewer' },
        {
          group_regex: '^eng-.*-leads$',
          role: 'org_admin',
          organization: 'engineering',
          org_role: 'org_admin',
        },
      ],
    });
    const byId = resolveRole(
      m,
      facts({ groups: [{ id: '6f1c2a8e-3b5d-4e7f-9a01-23456789abcd', name: null }] }),
    );
    expect(byId.role).toBe('proxy_admin_viewer');
    expect(
      resolveRole(m, facts({ groups: named('6F1C2A8E-3B5D-4E7F-9A01-23456789ABCD') })).role,
    ).toBe('internal_user_viewer');
    const lead = resolveRole(m, facts({ groups: named('eng-platform-leads') }));
    expect(lead).toMatchObject({
      role: 'org_admin',
      organizations: [{ organization: 'engineering', role: 'org_admin' }],
    });
    expect(resolveRole(m, facts({ groups: named('eng-platform-leads-old') })).role).toBe(
      'internal_user_viewer',
    );
  });

  it('grants team roles and keeps the strongest when several rules name one team', () => {
    const m = mapping({
      rules: [
        { group: 'ml', team: 'ml-platform' },
        { group: 'ml-leads', team: 'ml-platform', team_role: 'admin' },
      ],
    });
    expect(resolveRole(m, facts({ groups: named('ml') })).teams).toEqual([
      { team: 'ml-platform', role: 'member' },
    ]);
    expect(resolveRole(m, facts({ groups: named('ml-leads', 'ml') })).teams).toEqual([
      { team: 'ml-platform', role: 'admin' },
    ]);
  });

  it('limits a rule to its connection', () => {
    const m = mapping({ rules: [{ group: 'admins', role: 'proxy_admin', connection: 'entra' }] });
    expect(resolveRole(m, facts({ connection: 'okta', groups: named('admins') })).role).toBe(
      'internal_user_viewer',
    );
    expect(resolveRole(m, facts({ connection: 'entra', groups: named('admins') })).role).toBe(
      'proxy_admin',
    );
  });

  it('reads nested claims by dotted path and "contains" on strings and lists', () => {
    const m = mapping({
      rules: [
        { claim: 'realm_access.roles', contains: 'gateway-admin', role: 'proxy_admin' },
        { claim: 'department', contains: 'Research', role: 'internal_user' },
      ],
    });
    expect(
      resolveRole(m, facts({ claims: { realm_access: { roles: ['x', 'gateway-admin'] } } })).role,
    ).toBe('proxy_admin');
    expect(
      resolveRole(m, facts({ claims: { realm_access: { roles: ['gateway-admin-old'] } } })).role,
    ).toBe('internal_user_viewer');
    expect(resolveRole(m, facts({ claims: { department: 'AI Research Lab' } })).role).toBe(
      'internal_user',
    );
  });

  it('is not fooled by claim names that walk the prototype chain', () => {
    const m = mapping({
      rules: [{ claim: 'constructor.name', equals: 'Object', role: 'proxy_admin' }],
    });
    expect(resolveRole(m, facts({ claims: {} })).role).toBe('internal_user_viewer');
  });
});

describe('role resolver: properties', () => {
  const roleNames = [
    'proxy_admin',
    'org_admin',
    'proxy_admin_viewer',
    'internal_user',
    'internal_user_viewer',
  ] as const;
  const groupPool = ['g-owners', 'g-admins', 'g-devs', 'g-ro', 'g-ml', 'g-x', 'g-y'];
  const arbMapping = fc
    .record({
      rules: fc.array(
        fc.record({
          group: fc.constantFrom(...groupPool),
          role: fc.constantFrom(...roleNames),
          team: fc.option(fc.constantFrom('t1', 't2'), { nil: undefined }),
        }),
        { maxLength: 8 },
      ),
      precedence: fc.option(fc.shuffledSubarray([...roleNames]), { nil: undefined }),
      app_roles: fc.boolean(),
    })
    .map((m) => mapping(m));
  const arbFacts = fc.record({
    groups: fc.uniqueArray(fc.constantFrom(...groupPool), { maxLength: 7 }),
    roles: fc.uniqueArray(fc.constantFrom(...roleNames, 'PROXY_ADMIN', 'nope'), { maxLength: 4 }),
    claims: fc.dictionary(
      fc.constantFrom('a', 'b', 'litellm_roles'),
      fc.constantFrom('owner', 'x', 'y'),
    ),
  });

  it('never depends on the order of groups, roles or claims', () => {
    fc.assert(
      fc.property(arbMapping, arbFacts, fc.infiniteStream(fc.nat()), (m, f, seeds) => {
        const shuffle = <T>(xs: readonly T[]) => {
          const a = [...xs];
          for (let i = a.length - 1; i > 0; i--) {
            const j = (seeds.next().value as number) % (i + 1);
            [a[i], a[j]] = [a[j] as T, a[i] as T];
          }
          return a;
        };
        const base = resolveRole(
          m,
          facts({ groups: named(...f.groups), roles: f.roles, claims: f.claims }),
        );
        const shuffled = resolveRole(
          m,
          facts({
            groups: named(...shuffle(f.groups)),
            roles: shuffle(f.roles),
            claims: Object.fromEntries(shuffle(Object.entries(f.claims))),
          }),
        );
        expect(shuffled).toEqual(base);
      }),
      { numRuns: 300 },
    );
  });

  it('always returns a matched role, and the winner outranks every other matched role', () => {
    fc.assert(
      fc.property(arbMapping, arbFacts, (m, f) => {
        const r = resolveRole(m, facts({ groups: named(...f.groups), roles: f.roles }));
        const order = [
          ...(m.precedence ?? []),
          ...roleNames.filter((x) => !(m.precedence ?? []).includes(x)),
        ];
        const granted = r.matched.map((x) => x.grants.role).filter((x) => x !== undefined);
        if (granted.length === 0) expect(r.role).toBe(m.default_role);
        for (const g of granted)
          expect(order.indexOf(r.role)).toBeLessThanOrEqual(order.indexOf(g));
      }),
      { numRuns: 300 },
    );
  });

  it('adding a group never lowers the role under the default precedence', () => {
    fc.assert(
      fc.property(arbMapping, arbFacts, fc.constantFrom(...groupPool), (m0, f, extra) => {
        const m = { ...m0, precedence: undefined };
        const before = resolveRole(m, facts({ groups: named(...f.groups) }));
        const after = resolveRole(m, facts({ groups: named(...new Set([...f.groups, extra])) }));
        const rank = (r: string) => (roleNames as readonly string[]).indexOf(r);
        if (before.decided_by !== 'default')
          expect(rank(after.role)).toBeLessThanOrEqual(rank(before.role));
      }),
      { numRuns: 300 },
    );
  });
});
