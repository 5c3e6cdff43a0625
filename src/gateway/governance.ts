import { AppError } from '../errors/catalogue.js';
import type { CachedKey } from '../keys/cache.js';
import { refusingLevel } from './access.js';
import { RetryableError } from './errors.js';
import { type RateSubject, RateWindows } from './limits/rate.js';
import { CostEstimator, type Entity, SpendLedger } from './spend/ledger.js';

/** What an admitted request holds until it ends: the budgets and windows it counts against. */
export interface Admission {
  model: string;
  entities: readonly Entity[];
  subjects: readonly RateSubject[];
  estimate: number;
}

interface Derived {
  entities: Entity[];
  subjects: RateSubject[];
}

const LABEL: Record<Entity['kind'], string> = {
  key: 'key',
  user: 'user',
  team: 'team',
  org: 'organization',
};

function derive(k: CachedKey): Derived {
  const entities: Entity[] = [{ kind: 'key', id: k.id, budget: k }];
  const subjects: RateSubject[] = [
    { ref: `key:${k.id}`, label: `key ${k.name ?? k.id}`, rpm: k.rpmLimit, tpm: k.tpmLimit },
  ];
  if (k.user) {
    entities.push({ kind: 'user', id: k.user.id, budget: k.user });
    subjects.push({
      ref: `user:${k.user.id}`,
      label: `user ${k.user.id}`,
      rpm: k.user.rpmLimit,
      tpm: k.user.tpmLimit,
    });
  }
  if (k.team) {
    entities.push({ kind: 'team', id: k.team.id, budget: k.team });
    subjects.push({
      ref: `team:${k.team.id}`,
      label: `team ${k.team.id}`,
      rpm: k.team.rpmLimit,
      tpm: k.team.tpmLimit,
    });
    if (k.team.organization) {
      entities.push({ kind: 'org', id: k.team.organization.id, budget: k.team.organization });
    }
  }
  return { entities, subjects };
}

const money = (n: number) => `$${n.toFixed(n < 1 ? 4 : 2)}`;

/**
 * Model access, budgets and rate limits, decided from memory. The key cache replaces a key's
 * object when anything about it changes, so what is derived from one object stays valid.
 */
export class Governance {
  readonly ledger: SpendLedger;
  readonly rates: RateWindows;
  readonly estimator = new CostEstimator();
  private readonly derived = new WeakMap<CachedKey, Derived>();

  constructor(private readonly now: () => number) {
    this.ledger = new SpendLedger(now);
    this.rates = new RateWindows(now);
  }

  /** Throws 403 when the key, its team, its user or its organization does not allow the model. */
  checkModel(key: CachedKey | null, model: string): void {
    if (!key) return;
    const level = refusingLevel(key, model);
    if (level) {
      throw new AppError(
        'model_not_allowed',
        `This key may not call model "${model}": it is not among the ${level}'s models.`,
      );
    }
  }

  mayUse(key: CachedKey | null, model: string): boolean {
    return !key || refusingLevel(key, model) === null;
  }

  /** Budgets, then rpm/tpm; throws a 429 naming the limit, with Retry-After where it resets. */
  admit(key: CachedKey | null, model: string): Admission {
    if (!key) return { model, entities: [], subjects: [], estimate: 0 };
    let d = this.derived.get(key);
    if (!d) {
      d = derive(key);
      this.derived.set(key, d);
    }
    const estimate = this.estimator.estimate(model);
    const refused = this.ledger.admit(d.entities, estimate);
    if (refused) {
      const b = refused.entity.budget;
      const what = `${LABEL[refused.entity.kind]} ${refused.entity.id}`;
      const spent = this.ledger.spendOf(refused.entity);
      const message = `Budget exceeded for ${what}: spent ${money(spent)} of max_budget ${money(b.maxBudget ?? 0)}`;
      if (refused.resetAt === null) throw new AppError('budget_exceeded', `${message}.`);
      const seconds = Math.max(1, Math.ceil((refused.resetAt - this.now()) / 1000));
      throw new RetryableError(
        'budget_exceeded',
        `${message}; it resets at ${new Date(refused.resetAt).toISOString()}.`,
        seconds,
      );
    }
    const limited = this.rates.admit(d.subjects);
    if (limited) {
      this.ledger.settle(d.entities, estimate, 0);
      throw new RetryableError(
        'rate_limited',
        `Rate limit reached for ${limited.subject.label}: ${limited.limit}_limit ${limited.value} per minute.`,
        limited.retryAfterSeconds,
      );
    }
    return { model, entities: d.entities, subjects: d.subjects, estimate };
  }

  /** Called exactly once per admitted request, at its end (also on errors and aborts). */
  finish(a: Admission, cost: number, tokens: number): void {
    if (a.entities.length === 0) return;
    this.ledger.settle(a.entities, a.estimate, cost);
    this.rates.tokens(a.subjects, tokens);
    if (cost > 0) this.estimator.observe(a.model, cost);
  }
}
