import { describe, expect, it } from 'vitest';
import { inRange, olderCanMatch } from './audit.js';

describe('audit time filter', () => {
  const r = { from: '2030-01-02T00:00:00.000Z', to: '2030-01-03T00:00:00.000Z' };

  it('keeps events inside the range only', () => {
    expect(inRange('2030-01-02T12:00:00.000Z', r)).toBe(true);
    expect(inRange('2030-01-01T23:59:59.000Z', r)).toBe(false);
    expect(inRange('2030-01-03T00:00:01.000Z', r)).toBe(false);
    expect(inRange('1999-01-01T00:00:00.000Z', { from: null, to: null })).toBe(true);
  });

  it('stops looking once the loaded events are older than the start', () => {
    expect(olderCanMatch('2030-01-02T01:00:00.000Z', r)).toBe(true);
    expect(olderCanMatch('2030-01-01T00:00:00.000Z', r)).toBe(false);
    expect(olderCanMatch(undefined, r)).toBe(true);
    expect(olderCanMatch('1999-01-01T00:00:00.000Z', { from: null, to: null })).toBe(true);
  });
});
