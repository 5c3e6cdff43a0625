/**
 * A token bucket per SCIM token: `burst` requests at once, refilled at `perSecond`. Pure: the
 * caller passes the time, so tests move a clock instead of sleeping.
 */
export interface RatePolicy {
  perSecond: number;
  burst: number;
}

export interface Bucket {
  tokens: number;
  /** Milliseconds, when `tokens` was last computed. */
  at: number;
}

export type Take =
  | { allowed: true; bucket: Bucket }
  | { allowed: false; bucket: Bucket; retryAfterSeconds: number };

export function take(bucket: Bucket | undefined, now: number, p: RatePolicy): Take {
  const elapsed = bucket ? Math.max(0, now - bucket.at) / 1000 : 0;
  const tokens = bucket ? Math.min(p.burst, bucket.tokens + elapsed * p.perSecond) : p.burst;
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, at: now } };
  // Okta honours only whole seconds in Retry-After (and otherwise waits five minutes).
  const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / p.perSecond));
  return { allowed: false, bucket: { tokens, at: now }, retryAfterSeconds };
}

/** Buckets by token id, in this process (each instance limits on its own). */
export function rateLimiter(policy: RatePolicy, now: () => number) {
  const buckets = new Map<string, Bucket>();
  return {
    /** Null when allowed, else the seconds to wait. */
    check(key: string): number | null {
      const r = take(buckets.get(key), now(), policy);
      buckets.set(key, r.bucket);
      return r.allowed ? null : r.retryAfterSeconds;
    },
  };
}

export type RateLimiter = ReturnType<typeof rateLimiter>;
