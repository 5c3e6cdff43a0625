/** Simple shuffle, weighted: facts in (candidates, a random number), a choice out. */
export interface Candidate {
  id: string;
  weight: number;
  maxAttempts: number;
}

/**
 * Picks among the deployments that are available and below their attempt cap, preferring ones
 * this request has not tried yet, so that a retry goes to another deployment when there is one.
 */
export function pickDeployment<T extends Candidate>(
  deployments: readonly T[],
  tried: ReadonlyMap<string, number>,
  available: (id: string) => boolean,
  random: number,
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
  let total = 0;
  for (const d of fresh) total += d.weight;
  let r = random * total;
  for (const d of fresh) {
    r -= d.weight;
    if (r < 0) return d;
  }
  return fresh[fresh.length - 1] ?? null;
}
