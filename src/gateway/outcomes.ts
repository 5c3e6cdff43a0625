import { AppError } from '../errors/catalogue.js';
import { RetryableError } from './errors.js';
import type { UpstreamFailure } from './providers/types.js';
import type { Outcome } from './router/route.js';

/**
 * An upstream's error status → what the client sees and whether another attempt may help.
 * The client's own mistakes (400, 413, 422) come back with the provider's message and are not
 * retried; the provider's trouble (429, 5xx) and a deployment's misconfiguration (401, 403, 404)
 * go to another attempt.
 */
export function failureOutcome(
  status: number,
  failure: UpstreamFailure,
  deployment: string,
  retryAfterMs: number | null,
): Outcome<never> {
  if (status === 429) {
    const seconds = Math.max(1, Math.ceil((retryAfterMs ?? 1000) / 1000));
    return {
      ok: false,
      error: new RetryableError(
        'upstream_rate_limited',
        `Deployment ${deployment} is rate limited by its provider: ${failure.message}`,
        seconds,
      ),
      retryable: true,
      rateLimitedForMs: retryAfterMs ?? 0,
    };
  }
  if (status >= 500 || status === 408) {
    return {
      ok: false,
      error: new AppError(
        'upstream_error',
        `Deployment ${deployment} failed (HTTP ${status}): ${failure.message}`,
      ),
      retryable: true,
      rateLimitedForMs: null,
    };
  }
  if (status === 401 || status === 403 || status === 404) {
    // A provider's 401/403 text may quote (part of) Gatehouse's upstream key: never relay it.
    const detail = status === 404 ? `: ${failure.message}` : '';
    return {
      ok: false,
      error: new AppError(
        'upstream_error',
        `Deployment ${deployment} is misconfigured: its provider answered HTTP ${status}${detail}`,
      ),
      retryable: true,
      rateLimitedForMs: null,
    };
  }
  return {
    ok: false,
    error: new AppError('invalid_request', failure.message),
    retryable: false,
    rateLimitedForMs: null,
  };
}
