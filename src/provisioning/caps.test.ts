import { describe, expect, it } from 'vitest';
import {
  CLAIM_MAX_DEPTH,
  CLAIM_STRING_MAX_LENGTH,
  capFacts,
  GROUP_MAX_LENGTH,
  GROUPS_MAX,
} from './caps.js';

const facts = (over: Partial<Parameters<typeof capFacts>[0]> = {}) => ({
  groups: [],
  groupsComplete: true,
  claims: {},
  roles: [],
  ...over,
});

describe('caps on IdP facts before matching', () => {
  it('leaves normal facts as they are, with no note', () => {
    const input = facts({
      groups: [{ id: 'g1', name: 'eng' }],
      claims: { department: 'IT', nested: { a: ['x', 1, true] } },
      roles: ['proxy_admin'],
    });
    expect(capFacts(input)).toEqual({ ...input, leftOut: [] });
  });

  it('leaves out groups whose id or name is over the length cap, and says how many', () => {
    const long = 'g'.repeat(GROUP_MAX_LENGTH + 1);
    const edge = 'e'.repeat(GROUP_MAX_LENGTH);
    const r = capFacts(
      facts({
        groups: [
          { id: null, name: long },
          { id: long, name: 'fine-name' },
          { id: null, name: edge },
        ],
      }),
    );
    expect(r.groups).toEqual([{ id: null, name: edge }]);
    expect(r.groupsComplete).toBe(true);
    expect(r.leftOut).toEqual([
      `2 groups with an id or name longer than ${GROUP_MAX_LENGTH} characters`,
    ]);
  });

  it('keeps at most GROUPS_MAX groups, the same ones in any order, and marks the list partial', () => {
    const many = Array.from({ length: GROUPS_MAX + 5 }, (_, i) => ({
      id: `g${String(i).padStart(6, '0')}`,
      name: null,
    }));
    const a = capFacts(facts({ groups: many }));
    const b = capFacts(facts({ groups: [...many].reverse() }));
    expect(a.groups).toHaveLength(GROUPS_MAX);
    expect(b.groups).toEqual(a.groups);
    expect(a.groupsComplete).toBe(false);
    expect(a.leftOut).toEqual([
      `5 groups beyond the first ${GROUPS_MAX} (of ${GROUPS_MAX + 5}); the group list is treated as partial`,
    ]);
  });

  it('leaves out over-long claim strings wherever they sit, and claims nested too deep', () => {
    const long = 'c'.repeat(CLAIM_STRING_MAX_LENGTH + 1);
    let deep: unknown = 'bottom';
    for (let i = 0; i < CLAIM_MAX_DEPTH + 2; i++) deep = { next: deep };
    const r = capFacts(
      facts({
        claims: { bio: long, list: ['ok', long, long], obj: { inner: long, keep: 'yes' }, deep },
      }),
    );
    expect(r.claims).toEqual({ list: ['ok'], obj: { keep: 'yes' }, deep: expect.any(Object) });
    expect(JSON.stringify(r.claims)).not.toContain('bottom');
    expect(r.leftOut).toEqual([
      `claim bio: 1 value longer than ${CLAIM_STRING_MAX_LENGTH} characters`,
      `claim list: 2 values longer than ${CLAIM_STRING_MAX_LENGTH} characters`,
      `claim obj: 1 value longer than ${CLAIM_STRING_MAX_LENGTH} characters`,
      `claim deep: parts nested deeper than ${CLAIM_MAX_DEPTH} levels`,
    ]);
  });

  it('a claim named __proto__ stays a plain claim, not a prototype', () => {
    const claims = JSON.parse('{"__proto__": {"polluted": "yes"}, "a": "b"}') as Record<
      string,
      unknown
    >;
    const r = capFacts(facts({ claims }));
    expect(Object.getPrototypeOf(r.claims)).toBe(Object.prototype);
    expect(Object.hasOwn(r.claims, '__proto__')).toBe(true);
    expect((r.claims as { polluted?: string }).polluted).toBeUndefined();
  });

  it('leaves out over-long role values', () => {
    const r = capFacts(facts({ roles: ['org_admin', 'r'.repeat(CLAIM_STRING_MAX_LENGTH + 1)] }));
    expect(r.roles).toEqual(['org_admin']);
    expect(r.leftOut).toEqual([`1 role longer than ${CLAIM_STRING_MAX_LENGTH} characters`]);
  });
});
