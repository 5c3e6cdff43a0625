import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rateLimiter, take } from './rate-limit.js';

describe('SCIM rate limit (token bucket)', () => {
  const policy = { perSecond: 10, burst: 5 };

  it('allows a burst, then refuses with a whole-second Retry-After', () => {
    let b = take(undefined, 0, policy).bucket;
    for (let i = 0; i < 4; i++) {
      const r = take(b, 0, policy);
      expect(r.allowed).toBe(true);
      b = r.bucket;
    }
    const refused = take(b, 0, policy);
    expect(refused.allowed).toBe(false);
    expect(refused.allowed ? 0 : refused.retryAfterSeconds).toBe(1);
  });

  it('refills at the sustained rate as the clock moves', () => {
    let now = 0;
    const limiter = rateLimiter(policy, () => now);
    for (let i = 0; i < 5; i++) expect(limiter.check('t1')).toBeNull();
    expect(limiter.check('t1')).toBe(1);
    now += 100; // one token back at 10/s
    expect(limiter.check('t1')).toBeNull();
    expect(limiter.check('t1')).toBe(1);
  });

  it('keeps one bucket per token: one busy client does not slow another', () => {
    const limiter = rateLimiter(policy, () => 0);
    for (let i = 0; i < 5; i++) limiter.check('busy');
    expect(limiter.check('busy')).not.toBeNull();
    expect(limiter.check('quiet')).toBeNull();
  });

  it('a slow rate gives a longer wait, rounded up to whole seconds', () => {
    const slow = { perSecond: 0.25, burst: 1 };
    const first = take(undefined, 0, slow);
    const second = take(first.bucket, 0, slow);
    expect(second.allowed ? null : second.retryAfterSeconds).toBe(4);
  });

  it('never allows more than burst + rate × elapsed requests', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }),
        (gaps) => {
          let now = 0;
          let bucket: ReturnType<typeof take>['bucket'] | undefined;
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            const r = take(bucket, now, policy);
            bucket = r.bucket;
            if (r.allowed) allowed++;
          }
          expect(allowed).toBeLessThanOrEqual(policy.burst + (now / 1000) * policy.perSecond);
        },
      ),
    );
  });
});
