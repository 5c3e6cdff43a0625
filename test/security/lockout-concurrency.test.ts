import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSlots } from '../../src/access/check-slots.js';
import { loginCounters } from '../../src/access/login-counters.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';

/** Not a test of hashing cost: cheap parameters keep 40 checks fast. */
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
const PASSWORD = 'correct horse battery staple';
const LOCKOUT_MS = 15 * 60_000;

const statusCounts = (list: LightMyRequestResponse[]) => {
  const out: Record<number, number> = {};
  for (const r of list) out[r.statusCode] = (out[r.statusCode] ?? 0) + 1;
  return out;
};

describe.each(dialects())('lock-out under concurrent guessing (%s)', (dialect) => {
  let clock = Date.parse('2026-11-23T09:00:00Z');
  let t: TestApp;

  const login = (username: string, password: string, ip: string) =>
    t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username, password },
      remoteAddress: ip,
    });

  const admin = async (email: string) =>
    expectStatus<{ id: string }>(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email, role: 'proxy_admin', password: PASSWORD },
      }),
      201,
    );

  beforeEach(async () => {
    t = await testApp(
      dialect,
      { auth: { local_login: { max_failures: 5, lockout: '15m' } } },
      // About the counters, not the bound on checks at once (login-flood.test.ts): room for all.
      { now: () => new Date(clock), scrypt: CHEAP, passwordChecks: checkSlots(64, 64) },
    );
  });
  afterEach(async () => {
    await t.close();
  });

  it('40 parallel wrong guesses from 40 addresses: at most max_failures are checked, the rest get 429 with Retry-After', async () => {
    const victim = await admin('victim@acme.com');
    const guesses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        login('victim@acme.com', `wrong-guess-number-${i}`, `198.51.100.${i + 1}`),
      ),
    );
    const counts = statusCounts(guesses);
    // Before the fix all 40 were checked (40 × 401, 0 × 429).
    expect(counts[401] ?? 0).toBeLessThanOrEqual(5);
    expect(counts[429] ?? 0).toBeGreaterThanOrEqual(35);
    expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(40);
    for (const r of guesses.filter((g) => g.statusCode === 429)) {
      expectError(r, 429, 'rate_limited');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(LOCKOUT_MS / 1000);
    }

    // The right password, once the lock is on, is refused too, from a fresh address…
    expectError(await login('victim@acme.com', PASSWORD, '203.0.113.50'), 429, 'rate_limited');
    clock += LOCKOUT_MS - 60_000;
    expectError(await login('victim@acme.com', PASSWORD, '203.0.113.50'), 429, 'rate_limited');
    // …and works once the lock-out period has passed.
    clock += 61_000;
    expectStatus(await login('victim@acme.com', PASSWORD, '203.0.113.50'), 200);

    // Every attempt is in the audit log, the refused ones included.
    const audit = expectStatus<{ data: { after: { reason?: string } }[] }>(
      await t.call({
        method: 'GET',
        url: `/api/v1/audit?action=auth.login_failed&target_id=${victim.id}&limit=100`,
      }),
      200,
    );
    expect(audit.data).toHaveLength(42);
    expect(audit.data.filter((e) => e.after.reason === 'locked out')).toHaveLength(
      (counts[429] ?? 0) + 2,
    );
  });

  it('the right password hidden among 29 parallel wrong ones is not let in past the limit', async () => {
    await admin('target@acme.com');
    const attempts = await Promise.all([
      ...Array.from({ length: 29 }, (_, i) =>
        login('target@acme.com', `wrong-guess-number-${i}`, `198.51.100.${i + 1}`),
      ),
      login('target@acme.com', PASSWORD, '198.51.100.200'),
    ]);
    const counts = statusCounts(attempts);
    // Only the first five counted attempts reach the password check, whichever they are;
    // before the fix all 30 did and the right one got in.
    expect((counts[401] ?? 0) + (counts[200] ?? 0)).toBeLessThanOrEqual(5);
    expect(counts[429] ?? 0).toBeGreaterThanOrEqual(25);
  });

  it('spraying in parallel from one address across 30 accounts trips the address counter', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `sprayed${i}@acme.com`);
    for (const n of names) await admin(n);
    const sprayer = '192.0.2.66';
    const attempts = await Promise.all(names.map((n) => login(n, 'Winter2026!-guess', sprayer)));
    const counts = statusCounts(attempts);
    // One guess per account never locks an account (5), but the address allows 4 × 5 = 20;
    // before the fix all 30 were checked.
    expect(counts[401] ?? 0).toBeLessThanOrEqual(20);
    expect(counts[429] ?? 0).toBeGreaterThanOrEqual(10);
    expectError(await login(names[0] ?? '', PASSWORD, sprayer), 429, 'rate_limited');
    // The locked address keeps knocking on one account: refused unchecked, and so using up
    // none of that account's budget — its owner still gets in from elsewhere.
    for (let i = 0; i < 6; i++)
      expectError(await login(names[0] ?? '', `knock-${i}`, sprayer), 429, 'rate_limited');
    expectStatus(await login(names[0] ?? '', PASSWORD, '203.0.113.7'), 200);
    const refused = names.filter((_, i) => attempts[i]?.statusCode === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const n of refused.slice(0, 3)) expectStatus(await login(n, PASSWORD, '203.0.113.7'), 200);
  });

  it('signing in successfully many times from one address never locks the address', async () => {
    await admin('busy@acme.com');
    // Four times more successes than the address may fail: each success gives its count back.
    for (let i = 0; i < 25; i++)
      expectStatus(await login('busy@acme.com', PASSWORD, '10.0.0.1'), 200);
    expectError(
      await login('busy@acme.com', 'one-wrong-guess', '10.0.0.1'),
      401,
      'invalid_credentials',
    );
    expectStatus(await login('busy@acme.com', PASSWORD, '10.0.0.1'), 200);
  });
});

describe.each(dialects())('login counter rules (%s)', (dialect) => {
  let t: TestApp;
  const at = (ms: number) => new Date(Date.parse('2026-11-23T09:00:00Z') + ms);

  beforeEach(async () => {
    t = await testApp(dialect, {}, { scrypt: CHEAP });
  });
  afterEach(async () => {
    await t.close();
  });

  it('locks for the lock-out period from the attempt that reached the limit; refused attempts do not extend it', async () => {
    const c = loginCounters(t.db.kysely, LOCKOUT_MS);
    expect(await c.count('user:a', 3, at(0))).toEqual({ attempts: 1, lockedUntil: null });
    expect((await c.count('user:a', 3, at(1_000))).attempts).toBe(2);
    const third = await c.count('user:a', 3, at(2_000));
    expect(third).toEqual({ attempts: 3, lockedUntil: at(2_000 + LOCKOUT_MS).toISOString() });
    const fourth = await c.count('user:a', 3, at(10 * 60_000));
    expect(fourth).toEqual({ attempts: 4, lockedUntil: third.lockedUntil });
    // The lock has passed: counting starts again.
    expect(await c.count('user:a', 3, at(2_000 + LOCKOUT_MS))).toEqual({
      attempts: 1,
      lockedUntil: null,
    });
  });

  it('starts a new window when the first attempt of the old one is a lock-out period old', async () => {
    const c = loginCounters(t.db.kysely, LOCKOUT_MS);
    await c.count('ip:x', 3, at(0));
    await c.count('ip:x', 3, at(60_000));
    expect((await c.count('ip:x', 3, at(LOCKOUT_MS))).attempts).toBe(1);
  });

  it('a threshold of one locks at the first attempt', async () => {
    const c = loginCounters(t.db.kysely, LOCKOUT_MS);
    expect(await c.count('user:b', 1, at(0))).toEqual({
      attempts: 1,
      lockedUntil: at(LOCKOUT_MS).toISOString(),
    });
  });

  it('a refund gives back one attempt and lifts a lock the refunded attempt had set', async () => {
    const c = loginCounters(t.db.kysely, LOCKOUT_MS);
    await c.count('ip:y', 2, at(0));
    expect((await c.count('ip:y', 2, at(0))).lockedUntil).not.toBeNull();
    await c.refund('ip:y', 2);
    expect(await c.count('ip:y', 2, at(1_000))).toEqual({
      attempts: 2,
      lockedUntil: at(1_000 + LOCKOUT_MS).toISOString(),
    });
  });

  it('prune forgets counters whose window and lock have passed, and keeps live ones', async () => {
    const c = loginCounters(t.db.kysely, LOCKOUT_MS);
    await c.count('name:old', 5, at(0));
    await c.count('user:locked', 1, at(0));
    await c.count('name:new', 5, at(LOCKOUT_MS));
    await c.prune(at(LOCKOUT_MS + 1));
    const left = await t.db.kysely.selectFrom('login_failures').select('login').execute();
    expect(left.map((r) => r.login).sort()).toEqual(['name:new']);
  });
});
