import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, PATTERN_MAX_LENGTH, patternOf } from './pattern.js';

const compiled = (source: string) => {
  const c = compilePattern(source);
  if (!c.ok) throw new Error(`${source}: ${c.message}`);
  return c.pattern;
};

describe('admin patterns on RE2', () => {
  it('the catastrophic-backtracking pattern from the issue answers at once, for short and long groups', () => {
    // JavaScript's engine needed 93 s for the 41-character group; RE2 is linear in the input.
    const p = compiled('^(a+)+$');
    expect(p.test(`${'a'.repeat(40)}!`)).toBe(false);
    expect(p.test(`${'a'.repeat(100_000)}!`)).toBe(false);
    expect(p.test('a'.repeat(41))).toBe(true);
  });

  it('matches like RegExp.test: anywhere unless anchored, (?i) for case, classes and groups', () => {
    expect(compiled('eng').test('team-eng-platform')).toBe(true);
    expect(compiled('^eng').test('team-eng-platform')).toBe(false);
    expect(compiled('^eng-.*-leads$').test('eng-ml-leads')).toBe(true);
    expect(compiled('(?i)^ML-').test('ml-research')).toBe(true);
    expect(compiled('^[0-9a-f]{8}-').test('6f1c2d3e-0000')).toBe(true);
    expect(compiled('^(?P<team>\\w+)-admins$').test('payments-admins')).toBe(true);
  });

  it('agrees with RegExp on patterns both engines accept', () => {
    const piece = fc.constantFrom(
      'a',
      'b',
      '-',
      '.',
      'a*',
      'b+',
      '[ab]',
      '(a|b)',
      '\\d',
      'x?',
      '^',
      '$',
    );
    const input = fc.stringMatching(/^[ab1x-]{0,12}$/);
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), input, (parts, s) => {
        const source = parts.join('');
        expect(compiled(source).test(s)).toBe(new RegExp(source).test(s));
      }),
    );
  });

  it.each([
    ['a backreference', '^(a)\\1$', 'invalid escape sequence: `\\1`'],
    ['lookahead', '^(?=admin)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['negative lookahead', '^(?!eng-)', 'invalid or unsupported Perl syntax: `(?!`'],
    ['lookbehind', '(?<=eng-)x', 'invalid named capture: `(?<=eng-)x`'],
    ['an unclosed group', 'team-(', 'missing closing ): `team-(`'],
  ])('refuses %s with RE2’s reason', (_what, source, why) => {
    const c = compilePattern(source);
    expect(c).toEqual({
      ok: false,
      message: `is not a pattern RE2 accepts (${why}); RE2 has no backreferences or lookaround`,
    });
  });

  it('refuses patterns too long or too costly to match quickly', () => {
    expect(compilePattern('[ab]'.repeat(PATTERN_MAX_LENGTH / 4)).ok).toBe(true);
    expect(compilePattern('a'.repeat(PATTERN_MAX_LENGTH + 1))).toEqual({
      ok: false,
      message: `is longer than ${PATTERN_MAX_LENGTH} characters`,
    });
    const costly = compilePattern('[a-z]{999}x');
    expect(costly.ok).toBe(false);
    if (!costly.ok)
      expect(costly.message).toMatch(
        /^is too complex to match quickly \(RE2 program size \d+, at most 1000\)/,
      );
  });

  it('compiles each source once and reuses it', () => {
    expect(patternOf('^ml-')).toBe(patternOf('^ml-'));
    expect(patternOf('^ml-').test('ml-research')).toBe(true);
    expect(() => patternOf('(?=x)')).toThrow(/RE2 has no backreferences or lookaround/);
  });
});
