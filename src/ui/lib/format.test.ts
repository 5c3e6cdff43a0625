import { describe, expect, it } from 'vitest';
import {
  formatBudget,
  formatSource,
  localToIso,
  parseLimit,
  parseList,
  parseMoney,
} from './format.js';

describe('form parsing and display', () => {
  it('lists drop blanks and repeats', () => {
    expect(parseList(' gpt-4o, ,fake-gpt\nfake-gpt ')).toEqual(['gpt-4o', 'fake-gpt']);
    expect(parseList('')).toEqual([]);
  });

  it('money and limits: empty is null, bad input is an error', () => {
    expect(parseMoney('')).toBeNull();
    expect(parseMoney('12.5')).toBe(12.5);
    expect(() => parseMoney('-1')).toThrow(/not an amount/);
    expect(() => parseMoney('ten')).toThrow();
    expect(parseLimit(' ')).toBeNull();
    expect(parseLimit('60')).toBe(60);
    expect(() => parseLimit('1.5')).toThrow(/whole number/);
  });

  it('sources and budgets read as words', () => {
    expect(formatSource('sso:entra')).toBe('SSO (entra)');
    expect(formatSource('scim:okta-dir')).toBe('SCIM (okta-dir)');
    expect(formatSource('manual')).toBe('Manual');
    expect(formatBudget(100, '30d')).toBe('$100.00 per 30d');
    expect(formatBudget(null, null)).toBe('No budget');
  });

  it('local date-times become ISO instants', () => {
    expect(localToIso('')).toBeNull();
    expect(localToIso('2031-05-01T10:00')).toMatch(/^2031-05-01T\d\d:00:00\.000Z$/);
    expect(() => localToIso('not a date')).toThrow();
  });
});
