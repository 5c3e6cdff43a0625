import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

/** One counter's state right after this attempt was counted on it. */
export interface Counted {
  /** Attempts in the current window, this one included (a success gives its own back). */
  attempts: number;
  /** Set once the count reached the threshold; attempts beyond it wait until then. */
  lockedUntil: string | null;
}

export type Verdict = { refuse: false } | { refuse: true; retryAfterSeconds: number };

/**
 * Whether the counted attempt may go on to the password check. The threshold-th attempt is
 * still checked (it may be the right password); every one beyond it is refused unchecked.
 */
export function verdict(counted: Counted, threshold: number, now: Date): Verdict {
  if (counted.attempts <= threshold) return { refuse: false };
  const until = counted.lockedUntil ? Date.parse(counted.lockedUntil) : now.getTime();
  return {
    refuse: true,
    retryAfterSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)),
  };
}

export interface LoginCounters {
  /** Counts one attempt on `key` and returns the count with it. */
  count(key: string, threshold: number, now: Date): Promise<Counted>;
  /** A successful attempt gives back what it counted, so signing in often is no failure. */
  refund(key: string, threshold: number): Promise<void>;
  clear(key: string): Promise<void>;
  /** Forgets counters whose window and lock have passed, so unknown names do not pile up. */
  prune(now: Date): Promise<void>;
}

/**
 * Failed-login counters in `login_failures`, shared by every instance. An attempt is counted
 * *before* its password is checked, in one statement, so parallel guesses cannot all read the
 * same old count: the 41st of 40 concurrent guesses sees 41. A count restarts when its window
 * (`lockoutMs` from the first attempt) or its lock has passed.
 */
export function loginCounters(db: Kysely<Database>, lockoutMs: number): LoginCounters {
  const iso = (ms: number) => new Date(ms).toISOString();

  return {
    async count(key: string, threshold: number, now: Date): Promise<Counted> {
      const at = iso(now.getTime());
      const windowStart = iso(now.getTime() - lockoutMs);
      const until = iso(now.getTime() + lockoutMs);
      // A fresh count of 1 is already at a threshold of 1.
      const freshLock = threshold <= 1 ? until : null;
      // In ON CONFLICT DO UPDATE, `login_failures.x` is the row before this statement (both
      // dialects), so every expression below reads the old values.
      const restart = sql<boolean>`((login_failures.locked_until is null and login_failures.first_failure_at <= ${windowStart}) or (login_failures.locked_until is not null and login_failures.locked_until <= ${at}))`;
      const row = await db
        .insertInto('login_failures')
        .values({ login: key, failures: 1, first_failure_at: at, locked_until: freshLock })
        .onConflict((oc) =>
          oc.column('login').doUpdateSet({
            failures: sql<number>`case when ${restart} then 1 else login_failures.failures + 1 end`,
            first_failure_at: sql<string>`case when ${restart} then ${at} else login_failures.first_failure_at end`,
            locked_until: sql<
              string | null
            >`case when ${restart} then ${freshLock} when login_failures.locked_until is not null then login_failures.locked_until when login_failures.failures + 1 >= ${threshold} then ${until} else null end`,
          }),
        )
        .returning(['failures', 'locked_until'])
        .executeTakeFirstOrThrow();
      return { attempts: Number(row.failures), lockedUntil: row.locked_until };
    },

    async refund(key: string, threshold: number): Promise<void> {
      await db
        .updateTable('login_failures')
        .set({
          failures: sql<number>`failures - 1`,
          locked_until: sql<
            string | null
          >`case when failures - 1 >= ${threshold} then locked_until else null end`,
        })
        .where('login', '=', key)
        .where('failures', '>', 0)
        .execute();
    },

    async clear(key: string): Promise<void> {
      await db.deleteFrom('login_failures').where('login', '=', key).execute();
    },

    async prune(now: Date): Promise<void> {
      await db
        .deleteFrom('login_failures')
        .where('first_failure_at', '<', iso(now.getTime() - lockoutMs))
        .where((eb) =>
          eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', iso(now.getTime()))]),
        )
        .execute();
    },
  };
}
