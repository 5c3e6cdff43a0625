import type { RoutingStrategy } from '../../config/schema.js';
import { AppError } from '../../errors/catalogue.js';
import { RetryableError } from '../errors.js';
import type { DeploymentHealth } from './health.js';
import { type Candidate, type LoadView, pickDeployment } from './select.js';

/** What one attempt at one deployment came to. */
export type Outcome<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      error: AppError;
      /** 429, 5xx, timeouts and connection failures go to another attempt; a 400 does not. */
      retryable: boolean;
      /** Set for 429: how long the upstream asked us to stay away (Retry-After, or 0). */
      rateLimitedForMs: number | null;
    };

export interface RouterDeps {
  health: DeploymentHealth;
  strategy: RoutingStrategy;
  load: LoadView;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Attempts per model group beyond the first. */
  numRetries: number;
  /** Least wait between two attempts (LiteLLM's `retry_after`). */
  retryAfterMs: number;
  /** Longest Retry-After worth waiting for inside one request; beyond it the client is told. */
  maxWaitMs: number;
}

export interface Group<D extends Candidate> {
  name: string;
  deployments: readonly D[];
}

/**
 * Tries the model's deployments (chosen by the strategy, each retry elsewhere when possible), then each
 * fallback model in order. Returns the first success; otherwise throws the last failure.
 */
export async function route<D extends Candidate, T>(
  groups: readonly Group<D>[],
  deps: RouterDeps,
  attempt: (d: D, group: Group<D>) => Promise<Outcome<T>>,
  signal?: AbortSignal,
): Promise<T> {
  let last: AppError | null = null;
  for (const group of groups) {
    const tried = new Map<string, number>();
    const available = (id: string) => deps.health.available(id);
    for (let n = 0; n <= deps.numRetries; n++) {
      const d = pickDeployment(
        group.deployments,
        tried,
        available,
        deps.random(),
        deps.strategy,
        deps.load,
      );
      if (!d) {
        last ??= unavailable(group, deps);
        break;
      }
      tried.set(d.id, (tried.get(d.id) ?? 0) + 1);
      const out = await attempt(d, group);
      if (out.ok) return out.value;
      deps.health.failure(d.id, group.deployments.length, out.rateLimitedForMs);
      last = out.error;
      if (!out.retryable) throw out.error;
      if (n === deps.numRetries) break;
      const elsewhere = group.deployments.some(
        (x) => x.id !== d.id && available(x.id) && (tried.get(x.id) ?? 0) < x.maxAttempts,
      );
      let wait = deps.retryAfterMs;
      if (!elsewhere && out.rateLimitedForMs !== null) {
        if (out.rateLimitedForMs > deps.maxWaitMs) break;
        wait = Math.max(wait, out.rateLimitedForMs);
      }
      if (wait > 0) await deps.sleep(wait);
      if (signal?.aborted) throw new AppError('invalid_request', 'The client went away.');
    }
  }
  throw last ?? new AppError('upstream_unavailable');
}

function unavailable<D extends Candidate>(group: Group<D>, deps: RouterDeps): AppError {
  const until = Math.min(
    ...group.deployments.map((d) => deps.health.coolingUntil(d.id) || Number.POSITIVE_INFINITY),
  );
  const seconds = Number.isFinite(until) ? Math.max(1, Math.ceil((until - deps.now()) / 1000)) : 1;
  return new RetryableError(
    'upstream_unavailable',
    `Every deployment of ${group.name} is cooling down after failures; retry in ${seconds}s.`,
    seconds,
  );
}
