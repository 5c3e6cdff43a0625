import { describe, expect, it } from 'vitest';
import { type Entity, SpendLedger } from './ledger.js';

const T = Date.parse('2026-03-01T00:00:00Z');
const key = (over: Partial<Entity['budget']> = {}): Entity => ({
  kind: 'key',
  id: 'k1',
  budget: { maxBudget: 10, budgetDuration: null, budgetResetAt: null, spend: 0, ...over },
});

describe('spend ledger', () => {
  it('reserves the estimate for in-flight requests, so a burst stops at the budget', () => {
    const l = new SpendLedger(() => T);
    const e = [key()];
    let admitted = 0;
    for (let i = 0; i < 100; i++) if (l.admit(e, 1) === null) admitted++;
    expect(admitted).toBe(10);
  });

  it('settle releases the reservation and adds the cost; drain gives sorted deltas once', () => {
    const l = new SpendLedger(() => T);
    const a = key({ maxBudget: null });
    const b: Entity = { kind: 'team', id: 't1', budget: a.budget };
    const c: Entity = { kind: 'key', id: 'k0', budget: a.budget };
    for (const e of [a, b, c]) {
      expect(l.admit([e], 2)).toBeNull();
      l.settle([e], 2, 1.5);
    }
    expect(l.drain().map((u) => [u.kind, u.id, u.delta, u.absolute])).toEqual([
      ['key', 'k0', 1.5, null],
      ['key', 'k1', 1.5, null],
      ['team', 't1', 1.5, null],
    ]);
    expect(l.drain()).toEqual([]);
  });

  it('a period reset zeroes spend and is written as an absolute value with the next reset', () => {
    let now = T;
    const l = new SpendLedger(() => now);
    const e = [key({ budgetDuration: '1d', budgetResetAt: T + 86_400_000, spend: 9.5 })];
    l.settle(e, 0, 1);
    expect(l.admit(e, 0)).not.toBeNull();
    now = T + 86_400_000;
    expect(l.admit(e, 0)).toBeNull();
    expect(l.drain()).toEqual([
      { kind: 'key', id: 'k1', delta: 0, absolute: { spend: 0, resetAt: T + 2 * 86_400_000 } },
    ]);
  });

  it('a failed write is restored for the next one', () => {
    const l = new SpendLedger(() => T);
    const e = [key()];
    l.settle(e, 0, 2);
    const first = l.drain();
    l.settle(e, 0, 1);
    l.restore(first);
    expect(l.drain()).toEqual([{ kind: 'key', id: 'k1', delta: 3, absolute: null }]);
  });

  it('a budget period an admin changed (new reset time in the cache) is adopted', () => {
    const l = new SpendLedger(() => T);
    l.settle([key({ budgetDuration: '30d', budgetResetAt: T + 1000 })], 0, 1);
    l.drain();
    const later = key({ budgetDuration: '7d', budgetResetAt: T + 7 * 86_400_000 });
    expect(l.admit([later], 0)).toBeNull();
    expect(l.spendOf(later)).toBe(1);
  });
});
