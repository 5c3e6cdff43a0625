import { describe, expect, it } from 'vitest';
import { budgetAllows, nextReset } from './budget.js';
import { RateWindows } from './rate.js';

const T = Date.parse('2026-01-31T10:00:00Z');

describe('budget periods', () => {
  it('no duration: never resets', () => {
    expect(nextReset(null, null, T)).toBeNull();
  });
  it('rolls forward from the stored reset, keeping the calendar day for months', () => {
    const stored = Date.parse('2026-01-15T00:00:00Z');
    expect(new Date(nextReset(stored, '1mo', T) ?? 0).toISOString()).toBe(
      '2026-02-15T00:00:00.000Z',
    );
    expect(new Date(nextReset(stored, '7d', T) ?? 0).toISOString()).toBe(
      '2026-02-05T00:00:00.000Z',
    );
  });
  it('a missing reset time starts a period now', () => {
    expect(nextReset(null, '30s', T)).toBe(T + 30_000);
  });
  it('admits while spend plus in-flight estimates is below the budget', () => {
    expect(budgetAllows({ maxBudget: null, spend: 1e9, reserved: 0 })).toBe(true);
    expect(budgetAllows({ maxBudget: 10, spend: 9, reserved: 0.5 })).toBe(true);
    expect(budgetAllows({ maxBudget: 10, spend: 9, reserved: 1 })).toBe(false);
  });
});

describe('rate windows', () => {
  it('counts requests per minute and refuses at the limit with the seconds to the next minute', () => {
    let now = T + 15_000;
    const w = new RateWindows(() => now);
    const s = [{ ref: 'key:a', label: 'key a', rpm: 2, tpm: null }];
    expect(w.admit(s)).toBeNull();
    expect(w.admit(s)).toBeNull();
    expect(w.admit(s)).toMatchObject({ limit: 'rpm', value: 2, retryAfterSeconds: 45 });
    now += 45_000;
    expect(w.admit(s)).toBeNull();
  });
  it('a refusal by one subject counts against none', () => {
    const w = new RateWindows(() => T);
    const key = { ref: 'key:a', label: 'key a', rpm: 10, tpm: null };
    const team = { ref: 'team:t', label: 'team t', rpm: 1, tpm: null };
    expect(w.admit([key, team])).toBeNull();
    expect(w.admit([key, team])?.subject.ref).toBe('team:t');
    // The key saw one request, not two.
    for (let i = 0; i < 9; i++) expect(w.admit([key])).toBeNull();
    expect(w.admit([key])?.limit).toBe('rpm');
  });
  it('tokens count when added, against tpm', () => {
    const w = new RateWindows(() => T);
    const s = [{ ref: 'user:u', label: 'user u', rpm: null, tpm: 100 }];
    expect(w.admit(s)).toBeNull();
    w.tokens(s, 100);
    expect(w.admit(s)).toMatchObject({ limit: 'tpm' });
  });
});
