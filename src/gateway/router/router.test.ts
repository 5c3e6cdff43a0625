import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors/catalogue.js';
import { DeploymentHealth } from './health.js';
import { DeploymentLoad } from './load.js';
import { type Outcome, type RouterDeps, route } from './route.js';
import { pickDeployment } from './select.js';

const d = (id: string, weight = 1, maxAttempts = Number.POSITIVE_INFINITY) => ({
  id,
  weight,
  maxAttempts,
});

describe('weighted pick', () => {
  it('splits the unit interval by weight and prefers untried deployments', () => {
    const ds = [d('a', 3), d('b', 1)];
    const none = new Map<string, number>();
    expect(pickDeployment(ds, none, () => true, 0.74)?.id).toBe('a');
    expect(pickDeployment(ds, none, () => true, 0.76)?.id).toBe('b');
    expect(pickDeployment(ds, new Map([['a', 1]]), () => true, 0)?.id).toBe('b');
    expect(pickDeployment(ds, new Map(), (id) => id !== 'a', 0)?.id).toBe('b');
    expect(pickDeployment([d('a', 1, 1)], new Map([['a', 1]]), () => true, 0)).toBeNull();
  });
});

describe('health', () => {
  it('cools a deployment down after more than allowed_fails in a minute, never the only one', () => {
    let now = 0;
    const h = new DeploymentHealth({ allowedFails: 1, cooldownMs: 5000 }, () => now);
    h.failure('a', 2, null);
    expect(h.available('a')).toBe(true);
    h.failure('a', 2, null);
    expect(h.available('a')).toBe(false);
    now = 5000;
    expect(h.available('a')).toBe(true);
    h.failure('solo', 1, 60_000);
    expect(h.available('solo')).toBe(true);
  });
});

describe('route', () => {
  const deps = (over: Partial<RouterDeps> = {}): RouterDeps => ({
    health: new DeploymentHealth({ allowedFails: 3, cooldownMs: 1000 }, () => 0),
    strategy: 'simple-shuffle',
    load: new DeploymentLoad(),
    random: () => 0,
    sleep: async () => undefined,
    now: () => 0,
    numRetries: 2,
    retryAfterMs: 0,
    maxWaitMs: 10_000,
    ...over,
  });
  const fail = (retryable: boolean): Outcome<string> => ({
    ok: false,
    error: new AppError('upstream_error', 'boom'),
    retryable,
    rateLimitedForMs: null,
  });

  it('stops at once on a non-retryable failure', async () => {
    let calls = 0;
    await expect(
      route([{ name: 'm', deployments: [d('a'), d('b')] }], deps(), async () => {
        calls++;
        return fail(false);
      }),
    ).rejects.toThrow('boom');
    expect(calls).toBe(1);
  });

  it('tries 1 + num_retries times, then each fallback group', async () => {
    const seen: string[] = [];
    const out = await route(
      [
        { name: 'm', deployments: [d('a'), d('b')] },
        { name: 'f', deployments: [d('c')] },
      ],
      deps(),
      async (x) => {
        seen.push(x.id);
        return x.id === 'c' ? { ok: true, value: 'from c' } : fail(true);
      },
    );
    expect(out).toBe('from c');
    expect(seen).toEqual(['a', 'b', 'a', 'c']);
  });

  it('waits a short Retry-After on the only deployment, gives up on a long one', async () => {
    const slept: number[] = [];
    const limited = (ms: number): Outcome<string> => ({
      ok: false,
      error: new AppError('upstream_rate_limited', 'slow'),
      retryable: true,
      rateLimitedForMs: ms,
    });
    let n = 0;
    const ok = await route(
      [{ name: 'm', deployments: [d('a')] }],
      deps({ sleep: async (ms) => void slept.push(ms) }),
      async () => (n++ === 0 ? limited(1500) : { ok: true, value: 'ok' }),
    );
    expect(ok).toBe('ok');
    expect(slept).toEqual([1500]);
    let calls = 0;
    await expect(
      route([{ name: 'm', deployments: [d('a')] }], deps(), async () => {
        calls++;
        return limited(60_000);
      }),
    ).rejects.toThrow('slow');
    expect(calls).toBe(1);
  });
});

describe('routing strategies', () => {
  const ds = [d('a', 3), d('b', 1), d('c', 1)];
  const none = new Map<string, number>();
  const all = () => true;

  it('least-busy picks the deployment with fewest requests in flight, shuffling ties by weight', () => {
    const load = new DeploymentLoad();
    load.begin('a');
    load.begin('a');
    load.begin('b');
    // c is idle: chosen whatever the dice say.
    expect(pickDeployment(ds, none, all, 0, 'least-busy', load)?.id).toBe('c');
    expect(pickDeployment(ds, none, all, 0.99, 'least-busy', load)?.id).toBe('c');
    load.begin('c');
    load.end('a');
    load.end('a');
    // a is idle now; b and c have one each.
    expect(pickDeployment(ds, none, all, 0.99, 'least-busy', load)?.id).toBe('a');
    load.begin('a');
    // All at one: the weighted shuffle decides (a holds 3/5 of the interval).
    expect(pickDeployment(ds, none, all, 0.5, 'least-busy', load)?.id).toBe('a');
    expect(pickDeployment(ds, none, all, 0.9, 'least-busy', load)?.id).toBe('c');
    expect(load.busy('a')).toBe(1);
  });

  it('latency-based-routing measures each deployment first, then prefers the fastest', () => {
    const load = new DeploymentLoad();
    load.observe('a', 40);
    load.observe('b', 10);
    expect(pickDeployment(ds, none, all, 0, 'latency-based-routing', load)?.id).toBe('c');
    load.observe('c', 25);
    expect(pickDeployment(ds, none, all, 0, 'latency-based-routing', load)?.id).toBe('b');
    // b slows down: the moving average follows within a few answers.
    for (let i = 0; i < 5; i++) load.observe('b', 100);
    expect(load.latencyMs('b')).toBeGreaterThan(25);
    expect(pickDeployment(ds, none, all, 0, 'latency-based-routing', load)?.id).toBe('c');
  });

  it('a strategy never overrides availability, attempt caps or the retry-elsewhere rule', () => {
    const load = new DeploymentLoad();
    load.observe('a', 1);
    load.observe('b', 50);
    load.observe('c', 50);
    expect(pickDeployment(ds, none, (id) => id !== 'a', 0, 'latency-based-routing', load)?.id).toBe(
      'b',
    );
    expect(
      pickDeployment(ds, new Map([['a', 1]]), all, 0, 'latency-based-routing', load)?.id,
    ).not.toBe('a');
  });

  it('simple-shuffle ignores the load', () => {
    const load = new DeploymentLoad();
    load.begin('a');
    expect(pickDeployment(ds, none, all, 0, 'simple-shuffle', load)?.id).toBe('a');
  });
});
