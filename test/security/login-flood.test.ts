import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSlots } from '../../src/access/check-slots.js';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectStatus } from '../support/json.js';

const PASSWORD = 'correct horse battery staple';

/**
 * A spray of logins for many names from many addresses gets past every lock-out counter, so
 * only the bound on password checks keeps it from occupying the thread pool. Production's hash
 * cost (128 MiB, a few hundred milliseconds a check), so the first check is still running when
 * the rest arrive.
 */
describe.each(dialects())('a flood of break-glass logins (%s)', (dialect) => {
  let t: TestApp;

  beforeEach(async () => {
    t = await testApp(dialect, {}, { passwordChecks: checkSlots(1, 2) });
  });
  afterEach(async () => {
    await t.close();
  });

  it('beyond the checks running and waiting, a login is refused at once with 429, Retry-After and an audit event; nothing is counted against the accounts', async () => {
    await expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'admin2@acme.com', role: 'proxy_admin', password: PASSWORD },
      }),
      201,
    );
    const flood = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        t.app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { username: `sprayed-${i}@acme.com`, password: 'Winter2026!' },
          remoteAddress: `203.0.113.${i + 1}`,
        }),
      ),
    );
    const checked = flood.filter((r) => r.statusCode === 401);
    const refused = flood.filter((r) => r.statusCode === 429);
    expect(checked.length + refused.length).toBe(24);
    expect(checked.length).toBeLessThanOrEqual(3);
    expect(refused.length).toBeGreaterThanOrEqual(21);
    for (const r of refused) {
      expect(r.headers['retry-after']).toBe('1');
      expect(r.json()).toMatchObject({
        error: { code: 'rate_limited', message: 'Too many logins at once; try again in a second.' },
      });
    }
    const events = await t.db.kysely
      .selectFrom('audit_events')
      .select('after')
      .where('action', '=', 'auth.login_failed')
      .execute();
    expect(events.filter((e) => String(e.after).includes('too many logins at once'))).toHaveLength(
      refused.length,
    );

    // The refused attempts were given back: the same names and addresses are not locked out,
    // and the real admin signs in once the flood is over.
    const again = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'sprayed-23@acme.com', password: 'Winter2026!' },
      remoteAddress: '203.0.113.24',
    });
    expect(again.statusCode).toBe(401);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'admin2@acme.com', password: PASSWORD },
      remoteAddress: '203.0.113.24',
    });
    expect(ok.statusCode).toBe(200);
  });
});
