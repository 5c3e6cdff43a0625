import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch, listAllows } from './access.js';

describe('model access lists', () => {
  it('empty means no restriction; * and all-proxy-models allow all; entries match exactly', () => {
    expect(listAllows([], 'gpt-4o')).toBe(true);
    expect(listAllows(['*'], 'gpt-4o')).toBe(true);
    expect(listAllows(['all-proxy-models'], 'x')).toBe(true);
    expect(listAllows(['gpt-4o'], 'gpt-4o')).toBe(true);
    expect(listAllows(['gpt-4o'], 'gpt-4o-mini')).toBe(false);
  });

  it('wildcards match by prefix, suffix and middle parts', () => {
    expect(listAllows(['openai/*'], 'openai/o3')).toBe(true);
    expect(listAllows(['openai/*'], 'anthropic/claude')).toBe(false);
    expect(globMatch('gpt-*-mini', 'gpt-4o-mini')).toBe(true);
    expect(globMatch('gpt-*-mini', 'gpt-4o')).toBe(false);
    expect(globMatch('a*a', 'a')).toBe(false);
  });

  it('attack: a name that merely contains the pattern text does not match', () => {
    expect(listAllows(['openai/*'], 'evil/openai/o3')).toBe(false);
    expect(listAllows(['gpt-4o'], 'gpt-4o ')).toBe(false);
  });

  it('agrees with a regular expression for any pattern (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[ab*]{0,6}$/),
        fc.stringMatching(/^[ab]{0,6}$/),
        (pattern, name) => {
          const re = new RegExp(`^${pattern.replace(/\*/g, '.*')}$`);
          expect(globMatch(pattern, name)).toBe(re.test(name));
        },
      ),
    );
  });
});
