import { describe, expect, it } from 'vitest';
import { verdict } from './login-counters.js';

const now = new Date('2026-11-23T09:00:00Z');

describe('the lock-out verdict on a counted attempt', () => {
  it('lets attempts up to the threshold through, the threshold-th included', () => {
    expect(verdict({ attempts: 1, lockedUntil: null }, 5, now)).toEqual({ refuse: false });
    const until = new Date(now.getTime() + 60_000).toISOString();
    expect(verdict({ attempts: 5, lockedUntil: until }, 5, now)).toEqual({ refuse: false });
  });

  it('refuses beyond the threshold, with the seconds left on the lock rounded up', () => {
    const until = new Date(now.getTime() + 90_500).toISOString();
    expect(verdict({ attempts: 6, lockedUntil: until }, 5, now)).toEqual({
      refuse: true,
      retryAfterSeconds: 91,
    });
  });

  it('never answers Retry-After 0, even on the lock’s last millisecond', () => {
    expect(verdict({ attempts: 9, lockedUntil: now.toISOString() }, 5, now)).toEqual({
      refuse: true,
      retryAfterSeconds: 1,
    });
    expect(verdict({ attempts: 9, lockedUntil: null }, 5, now)).toEqual({
      refuse: true,
      retryAfterSeconds: 1,
    });
  });
});
