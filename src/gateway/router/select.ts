import type { RoutingStrategy } from '../../config/schema.js';

/** Deployment choice: facts in (candidates, their load, a random number), a choice out. */
export interface Candidate {
  id: string;
  weight: number;
  maxAttempts: number;
}

export interface LoadView {
  busy(id: string): number;
  latencyMs(id: string): number | null;
}

/** The candidates the strategy prefers; the weighted shuffle then chooses among them. */
function preferred<T extends Candidate>(
  candidates: T[],
  strategy: RoutingStrategy,
  load: LoadView,
): T[] {
  if (strategy === 'simple-shuffle' || candidates.length < 2) return candidates;
  // Unmeasured deployments first (latency -1), so each gets measured.
  const score =
    strategy === 'least-busy' ? (d: T) => load.busy(d.id) : (d: T) => load.latencyMs(d.id) ?? -1;
  let best = Number.POSITIVE_INFINITY;
  for (const d of candidates) best = Math.min(best, score(d));
  return candidates.filter((d) => score(d) === best);
}

/**
 * Picks among the deployments that are available and below their attempt cap, preferring ones
 * this request has not tried yet, so that a retry goes to another deployment when there is one.
 * Among those, the strategy's favourites (fewest in flight, lowest latency, or all of them for
 * simple-shuffle) are shuffled, weighted by `weight`.
 */
export function pickDeployment<T extends Candidate>(
  deployments: readonly T[],
  tried: ReadonlyMap<string, number>,
  available: (id: string) => boolean,
  random: number,
  strategy: RoutingStrategy = 'simple-shuffle',
  load: LoadView | null = null,
): T | null {
  let fresh: T[] = [];
  const again: T[] = [];
  for (const d of deployments) {
    const n = tried.get(d.id) ?? 0;
    if (n >= d.maxAttempts || !available(d.id)) continue;
    if (n === 0) fresh.push(d);
    else again.push(d);
  }
  if (fresh.length === 0) fresh = again;
  if (fresh.length === 0) return null;
  if (load) fresh = preferred(fresh, strategy, load);
  let total = 0;
  for (const d of fresh) total += d.weight;
  let r = random * total;
  for (const d of fresh) {
    r -= d.weight;
    if (r < 0) return d;
  }
  return fresh[fresh.length - 1] ?? null;
}
