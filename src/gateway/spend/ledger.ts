import type { CachedBudget } from '../../keys/cache.js';
import { budgetAllows, nextReset } from '../limits/budget.js';

export type EntityKind = 'key' | 'user' | 'team' | 'org';

export interface Entity {
  kind: EntityKind;
  id: string;
  budget: CachedBudget;
}

interface Entry {
  spend: number;
  reserved: number;
  resetAt: number | null;
  /** The reset time the cache last showed: a change there is an admin's new budget period. */
  seenResetAt: number | null;
  duration: string | null;
  /** Spend not yet written. */
  delta: number;
  /** The period was reset since the last write: write the absolute spend, not a delta. */
  reset: boolean;
  used: boolean;
}

/** One row's change in a flush: `spend = spend + delta`, or after a reset `spend = absolute`. */
export interface SpendUpdate {
  kind: EntityKind;
  id: string;
  delta: number;
  absolute: { spend: number; resetAt: number | null } | null;
}

export interface Refusal {
  entity: Entity;
  /** Epoch ms when the budget resets, or null when it never does. */
  resetAt: number | null;
}

/**
 * Running spend per key, user, team and organization, in memory. Seeded from the stored spend
 * the first time an entity is seen; from then on this process owns the number and writes only
 * its changes, so a request never waits on the database.
 */
export class SpendLedger {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number) {}

  private entry(e: Entity, now: number): Entry {
    const k = `${e.kind}:${e.id}`;
    let x = this.entries.get(k);
    if (!x) {
      x = {
        spend: e.budget.spend,
        reserved: 0,
        resetAt: e.budget.budgetResetAt,
        seenResetAt: e.budget.budgetResetAt,
        duration: e.budget.budgetDuration,
        delta: 0,
        reset: false,
        used: false,
      };
      this.entries.set(k, x);
    } else if (x.seenResetAt !== e.budget.budgetResetAt || x.duration !== e.budget.budgetDuration) {
      x.seenResetAt = e.budget.budgetResetAt;
      x.resetAt = e.budget.budgetResetAt;
      x.duration = e.budget.budgetDuration;
    }
    if (x.duration && (x.resetAt === null || x.resetAt <= now)) {
      const next = nextReset(x.resetAt, x.duration, now);
      if (x.resetAt !== null) {
        x.spend = 0;
        x.delta = 0;
      }
      x.resetAt = next;
      x.reset = true;
    }
    return x;
  }

  /** Current spend (after any due period reset). */
  spendOf(e: Entity): number {
    return this.entry(e, this.now()).spend;
  }

  /**
   * Admits a request against every entity's budget, reserving `estimate` on each until
   * `settle`; returns the first budget that refuses it instead.
   */
  admit(entities: readonly Entity[], estimate: number): Refusal | null {
    const now = this.now();
    const xs: Entry[] = [];
    for (const e of entities) {
      const x = this.entry(e, now);
      if (!budgetAllows({ maxBudget: e.budget.maxBudget, spend: x.spend, reserved: x.reserved })) {
        return { entity: e, resetAt: x.resetAt };
      }
      xs.push(x);
    }
    for (const x of xs) x.reserved += estimate;
    return null;
  }

  /** Ends a request: releases its reservation and adds what it cost. */
  settle(entities: readonly Entity[], estimate: number, cost: number): void {
    const now = this.now();
    for (const e of entities) {
      const x = this.entry(e, now);
      x.reserved = Math.max(0, x.reserved - estimate);
      x.spend += cost;
      x.delta += cost;
      x.used = true;
    }
  }

  /** Takes the changes to write, sorted (table, then id) so concurrent writers lock in one order. */
  drain(): SpendUpdate[] {
    const out: SpendUpdate[] = [];
    for (const [k, x] of this.entries) {
      if (!x.reset && x.delta === 0 && !x.used) continue;
      const sep = k.indexOf(':');
      out.push({
        kind: k.slice(0, sep) as EntityKind,
        id: k.slice(sep + 1),
        delta: x.delta,
        absolute: x.reset ? { spend: x.spend, resetAt: x.resetAt } : null,
      });
      x.delta = 0;
      x.reset = false;
      x.used = false;
    }
    return out.sort((a, b) =>
      a.kind === b.kind ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.kind < b.kind ? -1 : 1,
    );
  }

  /** A write failed: keep its changes for the next one. */
  restore(updates: readonly SpendUpdate[]): void {
    for (const u of updates) {
      const x = this.entries.get(`${u.kind}:${u.id}`);
      if (!x) continue;
      if (u.absolute) x.reset = true;
      else x.delta += u.delta;
      x.used = true;
    }
  }
}

/** Expected cost of the next request to a model: a moving average of the recent ones. */
export class CostEstimator {
  private readonly avg = new Map<string, number>();

  estimate(model: string): number {
    return this.avg.get(model) ?? 0;
  }

  observe(model: string, cost: number): void {
    const a = this.avg.get(model);
    this.avg.set(model, a === undefined ? cost : a * 0.8 + cost * 0.2);
  }
}
