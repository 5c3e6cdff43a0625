import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  lowerKeys,
  NegatedValuePath,
  scimmyFixture,
  toScimmy,
} from '../../../test/support/scimmy.js';
import { ScimSyntaxError } from '../errors.js';
import type { Filter } from './ast.js';
import { FILTER_LIMITS, parseAttrPath, parseFilter, parsePatchPath } from './parser.js';

interface Vector {
  source: string;
  target: Record<string, unknown>[];
}
const vectors = scimmyFixture<{ parse: Record<string, Vector[]> }>('filter.json').parse;

/**
 * SCIMMY turns `A and not (B or C)` into `(A and not B) or (A and not C)`; De Morgan gives
 * `A and not B and not C`, one conjunction, which is what Gatehouse computes.
 */
const DE_MORGAN: Record<string, Record<string, unknown>[]> = {
  'userName sw "A" and not (userName ew "Z" or displayName co "Bob")': [
    {
      userName: [
        ['sw', 'A'],
        ['not', 'ew', 'Z'],
      ],
      displayName: ['not', 'co', 'Bob'],
    },
  ],
};

/** The same, where the one conjunction holds `emails` and `emails.value`, which SCIMMY's form cannot hold. */
const DE_MORGAN_TREE: Record<string, Filter> = {
  'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")': {
    op: 'and',
    left: { op: 'ne', path: { attr: 'userType', pos: 0 }, value: 'Employee' },
    right: {
      op: 'not',
      filter: {
        op: 'or',
        left: { op: 'co', path: { attr: 'emails', pos: 32 }, value: 'example.com' },
        right: { op: 'co', path: { attr: 'emails', sub: 'value', pos: 59 }, value: 'example.org' },
      },
    },
  },
};

/** Nested value paths: RFC 7644's valFilter holds attribute expressions only, never another `[`. */
const NESTED = (source: string) => /\]\.\w+\[/.test(source);

function syntaxError(text: string, parse: (t: string) => unknown = parseFilter): ScimSyntaxError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof ScimSyntaxError) return e;
    throw e;
  }
  throw new Error(`parsed without error: ${text}`);
}

describe('SCIMMY filter.json parse vectors', () => {
  for (const [group, list] of Object.entries(vectors)) {
    for (const v of list) {
      if (NESTED(v.source)) {
        it(`${group}: rejects the nested value path ${v.source}`, () => {
          expect(syntaxError(v.source).code).toBe('invalid_filter');
        });
        continue;
      }
      it(`${group}: ${v.source}`, () => {
        const tree = DE_MORGAN_TREE[v.source];
        if (tree) {
          expect(parseFilter(v.source)).toEqual(tree);
          return;
        }
        let got: unknown;
        try {
          got = toScimmy(parseFilter(v.source));
        } catch (e) {
          if (!(e instanceof NegatedValuePath)) throw e;
          got = 'negated value path';
        }
        if (got === 'negated value path') {
          // SCIMMY moves `not` inside the brackets (`not emails[type eq "work"].value pr` →
          // a work email without a value). RFC 7644 negates the whole expression: no work
          // email with a value. Gatehouse follows the RFC; the tree says so.
          const f = parseFilter(v.source);
          expect(f.op).toBe('not');
          expect((f as { filter: Filter }).filter.op).toBe('valuePath');
          return;
        }
        expect(lowerKeys(got)).toEqual(lowerKeys(DE_MORGAN[v.source] ?? v.target));
      });
    }
  }
});

describe('filters the IdPs send', () => {
  const cases: [string, string, Filter][] = [
    [
      'okta: userName lookup',
      'userName eq "test.user@okta.local"',
      { op: 'eq', path: { attr: 'userName', pos: 0 }, value: 'test.user@okta.local' },
    ],
    [
      'okta: group lookup by name',
      'displayName eq "Test SCIMv2"',
      { op: 'eq', path: { attr: 'displayName', pos: 0 }, value: 'Test SCIMv2' },
    ],
    [
      'entra: unquoted externalId (Example 1 of the Entra tutorial)',
      'externalId eq jyoung',
      { op: 'eq', path: { attr: 'externalId', pos: 0 }, value: 'jyoung' },
    ],
    [
      'entra: work email as the matching attribute',
      'emails[type eq "work"].value eq "user@contoso.com"',
      {
        op: 'valuePath',
        path: { attr: 'emails', pos: 0 },
        filter: {
          op: 'and',
          left: { op: 'eq', path: { attr: 'type', pos: 7 }, value: 'work' },
          right: { op: 'eq', path: { attr: 'value', pos: 23 }, value: 'user@contoso.com' },
        },
      },
    ],
    [
      'microsoft collection: unquoted date-time with 7 fractional digits and an offset',
      'meta.Created gt 2015-10-10T14:38:21.8617979-07:00',
      {
        op: 'gt',
        path: { attr: 'meta', sub: 'Created', pos: 0 },
        value: '2015-10-10T14:38:21.8617979-07:00',
      },
    ],
    [
      'microsoft collection: capitalised operator-free attribute names, bare words',
      'userName sw O',
      { op: 'sw', path: { attr: 'userName', pos: 0 }, value: 'O' },
    ],
    [
      'enterprise extension attribute with its URN',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"',
      {
        op: 'eq',
        path: {
          uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
          attr: 'employeeNumber',
          pos: 0,
        },
        value: '701984',
      },
    ],
    [
      'enterprise manager sub-attribute with its URN',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m1"',
      {
        op: 'eq',
        path: {
          uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
          attr: 'manager',
          sub: 'value',
          pos: 0,
        },
        value: 'm1',
      },
    ],
  ];
  for (const [name, text, ast] of cases) {
    it(name, () => expect(parseFilter(text)).toEqual(ast));
  }

  it('microsoft collection: eq and (co or co) with capitalised sub-attributes', () => {
    const f = parseFilter(
      'name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)',
    );
    expect(f.op).toBe('and');
    const right = (f as { right: Filter }).right;
    expect(right).toMatchObject({
      op: 'or',
      left: { op: 'co', path: { attr: 'emails', sub: 'Value' }, value: 'example.com' },
      right: { op: 'co', value: 'example.org' },
    });
  });
});

describe('precedence and literals', () => {
  it('and binds tighter than or', () => {
    expect(parseFilter('a eq 1 or b eq 2 and c eq 3')).toMatchObject({
      op: 'or',
      left: { op: 'eq', value: 1 },
      right: { op: 'and' },
    });
  });

  it('not binds tighter than and', () => {
    expect(parseFilter('not (a pr) and b pr')).toMatchObject({
      op: 'and',
      left: { op: 'not', filter: { op: 'pr' } },
      right: { op: 'pr' },
    });
  });

  it('parentheses override precedence', () => {
    expect(parseFilter('(a eq 1 or b eq 2) and c eq 3')).toMatchObject({
      op: 'and',
      left: { op: 'or' },
    });
  });

  it('operators and keywords are case-insensitive', () => {
    expect(parseFilter('a EQ 1 AnD NOT (b Pr) oR c Ge 2')).toMatchObject({
      op: 'or',
      left: { op: 'and', right: { op: 'not' } },
      right: { op: 'ge' },
    });
  });

  it('bare true, false, null and numbers are literals; quoted ones are strings', () => {
    const value = (t: string) => (parseFilter(`a eq ${t}`) as { value: unknown }).value;
    expect(value('true')).toBe(true);
    expect(value('False')).toBe(false);
    expect(value('null')).toBeNull();
    expect(value('-1.5e3')).toBe(-1500);
    expect(value('"true"')).toBe('true');
    expect(value('"12"')).toBe('12');
    expect(value('"a \\"quoted\\" \\u00e9"')).toBe('a "quoted" é');
  });

  it('not not: two negations, then an attribute called not', () => {
    expect(parseFilter('not not id pr')).toEqual({
      op: 'not',
      filter: { op: 'not', filter: { op: 'pr', path: { attr: 'id', pos: 8 } } },
    });
    expect(parseFilter('not eq "x"')).toEqual({
      op: 'eq',
      path: { attr: 'not', pos: 0 },
      value: 'x',
    });
  });
});

describe('malformed filters name the position and what was expected', () => {
  const cases: [string, number, RegExp][] = [
    ['', 0, /expected a filter/],
    ['userName', 8, /expected an operator/],
    ['userName eq', 11, /expected a value/],
    ['userName equals "x"', 9, /expected an operator/],
    ['userName eq "x" and', 19, /expected an attribute name/],
    ['userName eq "x" nor b pr', 16, /expected 'and', 'or' or the end/],
    ['(userName eq "x"', 16, /expected '\)'/],
    ['userName eq "x")', 15, /expected 'and', 'or' or the end/],
    ['userName eq "unterminated', 12, /expected a closing quote/],
    ['userName eq "bad \\x escape"', 12, /expected a valid JSON string/],
    ['emails[type eq "work"', 21, /expected '\]'/],
    ['emails[type eq "work"].', 22, /sub-attribute name/],
    ['emails[sub.attr eq "x"]', 7, /sub-attribute name/],
    ['emails[type eq "a"].values[x eq "y"]', 26, /expected an operator/],
    ['emails[other[type eq "a"] pr]', 12, /cannot be nested/],
    ['a.b.c eq 1', 0, /attr or attr.subAttr/],
    ['9lives eq 1', 0, /attribute name/],
    ['name.givenName[type eq "x"]', 0, /without '.sub' before/],
  ];
  for (const [text, pos, msg] of cases) {
    it(`${JSON.stringify(text)} → position ${pos}`, () => {
      const e = syntaxError(text);
      expect(e.code).toBe('invalid_filter');
      expect(e.status).toBe(400);
      expect(e.position).toBe(pos);
      expect(e.message).toMatch(msg);
    });
  }
});

describe('limits', () => {
  it('refuses a filter longer than the limit before tokenising it', () => {
    const e = syntaxError(`userName eq "${'a'.repeat(FILTER_LIMITS.maxLength)}"`);
    expect(e.message).toMatch(/at most 4096 characters/);
  });

  it('refuses nesting deeper than the limit', () => {
    const deep = `${'('.repeat(FILTER_LIMITS.maxDepth + 1)}a pr${')'.repeat(FILTER_LIMITS.maxDepth + 1)}`;
    expect(syntaxError(deep).message).toMatch(/levels of nesting/);
    const ok = `${'('.repeat(FILTER_LIMITS.maxDepth)}a pr${')'.repeat(FILTER_LIMITS.maxDepth)}`;
    expect(parseFilter(ok)).toEqual({ op: 'pr', path: { attr: 'a', pos: FILTER_LIMITS.maxDepth } });
  });

  it('refuses a chain of nots deeper than the limit', () => {
    expect(syntaxError(`${'not '.repeat(FILTER_LIMITS.maxDepth + 1)}a pr`).message).toMatch(
      /levels of nesting/,
    );
  });

  it('refuses more comparisons than the limit', () => {
    const many = Array.from({ length: FILTER_LIMITS.maxTerms + 1 }, (_, i) => `a eq ${i}`).join(
      ' or ',
    );
    expect(syntaxError(many).message).toMatch(/at most 100 comparisons/);
  });
});

describe('PATCH paths', () => {
  it('attribute, sub-attribute, URN, value filter and filter with a sub-attribute', () => {
    expect(parsePatchPath('userName')).toEqual({ path: { attr: 'userName', pos: 0 } });
    expect(parsePatchPath('name.givenName')).toEqual({
      path: { attr: 'name', sub: 'givenName', pos: 0 },
    });
    expect(parsePatchPath('members[value eq "u1"]')).toEqual({
      path: { attr: 'members', pos: 0 },
      filter: { op: 'eq', path: { attr: 'value', pos: 8 }, value: 'u1' },
    });
    expect(parsePatchPath('emails[type eq "work"].value')).toMatchObject({
      path: { attr: 'emails' },
      filter: { op: 'eq' },
      subAfterFilter: 'value',
    });
    expect(
      parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager'),
    ).toMatchObject({
      path: { uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User' },
    });
  });

  it('errors are invalid_path, with the position', () => {
    const e = syntaxError('members[value eq "u1"', parsePatchPath);
    expect(e.code).toBe('invalid_path');
    expect(e.position).toBe(21);
    expect(syntaxError('members[value eq "u1"] pr', parsePatchPath).message).toMatch(
      /'.subAttr' or the end/,
    );
    expect(syntaxError('userName eq "x"', parsePatchPath).code).toBe('invalid_path');
  });

  it('single attribute paths for attributes= and sortBy', () => {
    expect(parseAttrPath('name.familyName')).toEqual({ attr: 'name', sub: 'familyName', pos: 0 });
    expect(syntaxError('emails[type eq "work"]', (t) => parseAttrPath(t)).code).toBe(
      'invalid_path',
    );
    expect(syntaxError('', (t) => parseAttrPath(t)).code).toBe('invalid_path');
  });
});

describe('fuzz: nothing but the typed error escapes', () => {
  const alphabet = fc.constantFrom(
    ...'abcdeilmnoprstuvwxyzAEINOPRST0123456789 ()[]".:\\$-_\t\n'.split(''),
    ' eq ',
    ' and ',
    ' or ',
    'not ',
    ' pr',
    '"x"',
    'emails[',
    ']',
    '].value',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:',
  );
  const soup = fc.array(alphabet, { maxLength: 60 }).map((parts) => parts.join(''));

  const check = (parse: (t: string) => unknown) => (text: string) => {
    try {
      parse(text);
    } catch (e) {
      if (!(e instanceof ScimSyntaxError)) throw e;
      expect(e.position).toBeGreaterThanOrEqual(0);
      expect(e.position).toBeLessThanOrEqual(Math.max(text.length, FILTER_LIMITS.maxLength));
    }
  };

  it('filter: token soup', () => {
    fc.assert(fc.property(soup, check(parseFilter)), { numRuns: 3000 });
  });

  it('filter: any unicode string', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), check(parseFilter)), {
      numRuns: 2000,
    });
  });

  it('patch path: token soup', () => {
    fc.assert(fc.property(soup, check(parsePatchPath)), { numRuns: 2000 });
  });
});
