import { addDuration, parseDuration } from '../../config/duration.js';

/**
 * The end of the budget period that contains `now`, rolled forward from the stored reset time
 * so that a monthly budget keeps resetting on the same day. Null when the budget never resets.
 */
export function nextReset(
  resetAt: number | null,
  duration: string | null,
  now: number,
): number | null {
  if (!duration) return null;
  const d = parseDuration(duration);
  if (!d) return null;
  if (resetAt === null) return addDuration(new Date(now), d).getTime();
  let at = resetAt;
  // A long-idle budget may have missed many periods; past a bound, restart from now.
  for (let i = 0; at <= now && i < 1000; i++) at = addDuration(new Date(at), d).getTime();
  return at > now ? at : addDuration(new Date(now), d).getTime();
}

export interface BudgetState {
  maxBudget: number | null;
  spend: number;
  /** Estimated cost of requests admitted and not yet finished. */
  reserved: number;
}

/**
 * A request is admitted while the budget minus what is spent and what in-flight requests are
 * expected to spend is above zero; so concurrent requests overshoot by at most the error of
 * those estimates, never by the whole burst.
 */
export function budgetAllows(b: BudgetState): boolean {
  return b.maxBudget === null || b.spend + b.reserved < b.maxBudget;
}
