import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { dialects } from '../support/db.js';
import { expectError, expectStatus } from '../support/json.js';

const PASSWORD = 'break-glass-password-1';
/** These tests are about sessions and lock-out, not hashing cost (that is passwords.test.ts). */
const CHEAP_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

interface LoginBody {
  user: { id: string; role: string };
  csrf_token: string;
  session: { id: string; expires_at: string };
}

function cookiesOf(res: { headers: Record<string, unknown> }): Record<string, string> {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  return Object.fromEntries(list.map((c: string) => [c.split('=')[0] ?? '', c]));
}

describe.each(dialects())('sessions and break-glass login (%s)', (dialect) => {
  let t: TestApp;
  let clock = Date.parse('2026-11-23T09:00:00Z');
  let admin: { id: string };

  const login = (username: string, password: string, headers: Record<string, string> = {}) =>
    t.call({
      method: 'POST',
      url: '/auth/login',
      payload: { username, password },
      auth: null,
      headers,
    });

  async function signIn(username = 'root-admin') {
    const res = await login(username, PASSWORD);
    const body = expectStatus<LoginBody>(res, 200);
    const secret = (cookiesOf(res).gh_session ?? '').split(';')[0]?.split('=')[1] ?? '';
    return { body, secret, cookie: `gh_session=${secret}` };
  }

  beforeAll(async () => {
    t = await testApp(
      dialect,
      {
        auth: {
          session_idle_timeout: '30m',
          session_absolute_timeout: '8h',
          local_login: {
            allowed_roles: ['proxy_admin', 'org_admin'],
            max_failures: 3,
            lockout: '10m',
          },
        },
      },
      { now: () => new Date(clock), scrypt: CHEAP_SCRYPT },
    );
    admin = expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: {
          email: 'root@acme.com',
          user_name: 'root-admin',
          role: 'proxy_admin',
          password: PASSWORD,
        },
      }),
      201,
    );
  });
  afterAll(async () => t.close());

  it('logs in with user name or email and sets a hardened session cookie that holds no API key', async () => {
    const res = await login('ROOT@acme.com', PASSWORD);
    const body = expectStatus<LoginBody>(res, 200);
    expect(body.user).toMatchObject({ id: admin.id, role: 'proxy_admin' });
    const c = cookiesOf(res);
    expect(c.gh_session).toMatch(/HttpOnly/);
    expect(c.gh_session).toMatch(/SameSite=Lax/);
    expect(c.gh_session).toMatch(/Path=\//);
    expect(c.gh_session).not.toMatch(/Secure/); // the test instance's public URL is http
    expect(c.gh_csrf).not.toMatch(/HttpOnly/);
    const secret = (c.gh_session ?? '').split(';')[0]?.split('=')[1] ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The cookie is not a key: the gateway refuses it as a bearer credential.
    expectError(
      await t.call({ method: 'GET', url: '/v1/models', auth: secret }),
      401,
      'invalid_credentials',
    );
    // And the database holds only its hash.
    const rows = await t.db.kysely.selectFrom('sessions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(secret);
    const me = expectStatus<{ principal: string; user: { id: string } }>(
      await t.call({
        method: 'GET',
        url: '/api/v1/me',
        auth: null,
        headers: { cookie: `gh_session=${secret}` },
      }),
      200,
    );
    expect(me).toMatchObject({ principal: 'session', user: { id: admin.id } });
    const audit = expectStatus<{ data: { action: string; ip: string }[] }>(
      await t.call({
        method: 'GET',
        url: `/api/v1/audit?action=auth.login_succeeded&target_id=${admin.id}`,
      }),
      200,
    );
    expect(audit.data.length).toBeGreaterThan(0);
    expect(audit.data[0]?.ip).toBe('127.0.0.1');
  });

  it('marks cookies Secure when the public URL is https', async () => {
    const { cookiePolicy } = await import('../../src/access/auth.routes.js');
    expect(cookiePolicy({ ...t.config, publicUrl: 'https://gw.acme.com' }).secure).toBe(true);
    expect(cookiePolicy({ ...t.config, publicUrl: 'http://localhost:4000' }).secure).toBe(false);
  });

  it('requires the CSRF token for every cookie-authenticated write, but not for reads', async () => {
    const { body, cookie } = await signIn();
    const create = (headers: Record<string, string>) =>
      t.call({
        method: 'POST',
        url: '/api/v1/teams',
        payload: { name: `csrf-${Date.now()}-${Math.random()}` },
        auth: null,
        headers,
      });
    expectError(await create({ cookie }), 403, 'csrf_failed');
    expectError(await create({ cookie, 'x-csrf-token': 'forged' }), 403, 'csrf_failed');
    const other = await signIn();
    expectError(
      await create({ cookie, 'x-csrf-token': other.body.csrf_token }),
      403,
      'csrf_failed',
    );
    expectStatus(await create({ cookie, 'x-csrf-token': body.csrf_token }), 201);
    expectStatus(
      await t.call({ method: 'GET', url: '/api/v1/teams', auth: null, headers: { cookie } }),
      200,
    );
  });

  it('ends sessions after idle time and at the absolute limit', async () => {
    const a = await signIn();
    clock += 29 * 60_000;
    expectStatus(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: null, headers: { cookie: a.cookie } }),
      200,
    );
    clock += 29 * 60_000; // active within the idle window: still alive
    expectStatus(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: null, headers: { cookie: a.cookie } }),
      200,
    );
    clock += 31 * 60_000;
    const idle = expectError(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: null, headers: { cookie: a.cookie } }),
      401,
      'session_invalid',
    );
    expect(idle.message).toContain('inactivity');

    const b = await signIn();
    for (let i = 0; i < 16; i++) {
      clock += 29 * 60_000;
      expectStatus(
        await t.call({
          method: 'GET',
          url: '/api/v1/me',
          auth: null,
          headers: { cookie: b.cookie },
        }),
        200,
      );
    }
    clock += 29 * 60_000; // 17 × 29 min > 8 h
    const expired = expectError(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: null, headers: { cookie: b.cookie } }),
      401,
      'session_invalid',
    );
    expect(expired.message).toContain('expired');
  });

  it('logout revokes the session server-side; the old cookie is dead even if replayed', async () => {
    const s = await signIn();
    const out = await t.call({
      method: 'POST',
      url: '/auth/logout',
      auth: null,
      headers: { cookie: s.cookie },
    });
    expect(out.statusCode).toBe(204);
    expect(cookiesOf(out).gh_session).toMatch(/Expires=Thu, 01 Jan 1970/);
    const replay = expectError(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: null, headers: { cookie: s.cookie } }),
      401,
      'session_invalid',
    );
    expect(replay.message).toContain('signed out');
    const audit = expectStatus<{ data: unknown[] }>(
      await t.call({ method: 'GET', url: `/api/v1/audit?action=auth.logout&actor_id=${admin.id}` }),
      200,
    );
    expect(audit.data.length).toBeGreaterThan(0);
  });

  it('lists own sessions and revokes one of them; nobody else’s', async () => {
    const a = await signIn();
    const b = await signIn();
    const list = expectStatus<{ data: { id: string; current: boolean }[] }>(
      await t.call({
        method: 'GET',
        url: '/api/v1/me/sessions',
        auth: null,
        headers: { cookie: a.cookie },
      }),
      200,
    );
    expect(list.data.find((x) => x.id === a.body.session.id)?.current).toBe(true);
    expect(list.data.find((x) => x.id === b.body.session.id)?.current).toBe(false);
    expect(JSON.stringify(list)).not.toContain(a.secret);
    expectStatus(
      await t.call({
        method: 'DELETE',
        url: `/api/v1/me/sessions/${b.body.session.id}`,
        auth: null,
        headers: { cookie: a.cookie, 'x-csrf-token': a.body.csrf_token },
      }),
      204,
    );
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: null, headers: { cookie: b.cookie } }),
      401,
      'session_invalid',
    );
    expectStatus(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: null, headers: { cookie: a.cookie } }),
      200,
    );
  });

  it('deactivating a user refuses their session and their keys on the very next request', async () => {
    const u = expectStatus<{ id: string }>(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'ops@acme.com', role: 'org_admin', password: PASSWORD },
      }),
      201,
    );
    const key = expectStatus<{ key: string }>(
      await t.call({ method: 'POST', url: '/api/v1/keys', payload: { user_id: u.id } }),
      201,
    );
    const s = await signIn('ops@acme.com');
    expectStatus(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: null, headers: { cookie: s.cookie } }),
      200,
    );
    expectStatus(await t.call({ method: 'GET', url: '/api/v1/me', auth: key.key }), 200);
    expectStatus(
      await t.call({ method: 'PATCH', url: `/api/v1/users/${u.id}`, payload: { active: false } }),
      200,
    );
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: null, headers: { cookie: s.cookie } }),
      401,
      'user_inactive',
    );
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: key.key }),
      401,
      'user_inactive',
    );
    expectError(
      await t.call({ method: 'GET', url: '/v1/models', auth: key.key }),
      401,
      'user_inactive',
    );
    expectError(await login('ops@acme.com', PASSWORD), 401, 'user_inactive');
    // Reactivation brings the key back, not the session.
    expectStatus(
      await t.call({ method: 'PATCH', url: `/api/v1/users/${u.id}`, payload: { active: true } }),
      200,
    );
    expectStatus(await t.call({ method: 'GET', url: '/api/v1/me', auth: key.key }), 200);
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: null, headers: { cookie: s.cookie } }),
      401,
      'session_invalid',
    );
  });

  it('locks a login name out after repeated wrong passwords, without telling which names exist', async () => {
    expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'lock@acme.com', role: 'proxy_admin', password: PASSWORD },
      }),
      201,
    );
    const unknown = expectError(
      await login('nobody@acme.com', 'whatever-password'),
      401,
      'invalid_credentials',
    );
    const wrong = expectError(
      await login('lock@acme.com', 'wrong-password-1'),
      401,
      'invalid_credentials',
    );
    expect(unknown.message).toBe(wrong.message);
    expectError(await login('lock@acme.com', 'wrong-password-2'), 401, 'invalid_credentials');
    expectError(await login('lock@acme.com', 'wrong-password-3'), 401, 'invalid_credentials');
    // Locked: even the right password is refused until the lock-out passes.
    const locked = expectError(await login('lock@acme.com', PASSWORD), 429, 'rate_limited');
    expect(locked.message).toMatch(/try again in \d+ seconds/);
    clock += 9 * 60_000;
    expectError(await login('lock@acme.com', PASSWORD), 429, 'rate_limited');
    clock += 2 * 60_000;
    expectStatus(await login('lock@acme.com', PASSWORD), 200);
    const failures = expectStatus<{ data: { after: { reason: string } }[] }>(
      await t.call({ method: 'GET', url: '/api/v1/audit?action=auth.login_failed&limit=10' }),
      200,
    );
    const reasons = failures.data.map((e) => e.after.reason);
    expect(reasons).toEqual(
      expect.arrayContaining(['locked out', 'wrong user name or password; account locked out']),
    );
  });

  it('counts failures per account, whether the user name or the email is typed', async () => {
    expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: {
          email: 'twin@acme.com',
          user_name: 'twin',
          role: 'proxy_admin',
          password: PASSWORD,
        },
      }),
      201,
    );
    expectError(await login('twin', 'wrong-password-1'), 401, 'invalid_credentials');
    expectError(await login('twin@acme.com', 'wrong-password-2'), 401, 'invalid_credentials');
    expectError(await login('TWIN', 'wrong-password-3'), 401, 'invalid_credentials');
    expectError(await login('twin@acme.com', PASSWORD), 429, 'rate_limited');
    clock += 11 * 60_000;
    expectStatus(await login('twin', PASSWORD), 200);
  });

  it('refuses cross-site login and logout requests', async () => {
    const err = expectError(
      await login('root-admin', PASSWORD, { origin: 'https://evil.example' }),
      403,
      'csrf_failed',
    );
    expect(err.message).toContain('Cross-site');
    expectStatus(await login('root-admin', PASSWORD, { origin: 'http://localhost:4000' }), 200);
    expectError(
      await t.call({
        method: 'POST',
        url: '/auth/logout',
        auth: null,
        headers: { origin: 'https://evil.example' },
      }),
      403,
      'csrf_failed',
    );
    // A query string does not slip past the check.
    for (const url of ['/auth/logout?x', '/auth/login?']) {
      expectError(
        await t.call({
          method: 'POST',
          url,
          auth: null,
          headers: { origin: 'https://evil.example' },
          payload: { username: 'root-admin', password: PASSWORD },
        }),
        403,
        'csrf_failed',
      );
    }
  });

  it('refuses local login to roles the config does not allow, and to accounts without a password', async () => {
    expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'dev@acme.com', role: 'internal_user', password: PASSWORD },
      }),
      201,
    );
    const err = expectError(await login('dev@acme.com', PASSWORD), 403, 'forbidden');
    expect(err.message).toContain('SSO');
    expectStatus(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'sso-only@acme.com', role: 'proxy_admin' },
      }),
      201,
    );
    expectError(await login('sso-only@acme.com', ''), 422, 'validation_failed');
    expectError(await login('sso-only@acme.com', 'anything-at-all'), 401, 'invalid_credentials');
  });

  it('rejects short passwords and lets only proxy admins set one', async () => {
    const short = expectError(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'short@acme.com', password: 'short' },
      }),
      422,
      'validation_failed',
    );
    expect(short.message).toContain('12');
    const u = expectStatus<{ id: string }>(
      await t.call({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: 'pw@acme.com', role: 'proxy_admin' },
      }),
      201,
    );
    expectStatus(
      await t.call({
        method: 'PUT',
        url: `/api/v1/users/${u.id}/password`,
        payload: { password: PASSWORD },
      }),
      204,
    );
    const s = await signIn('pw@acme.com');
    // Resetting the password ends existing sessions.
    expectStatus(
      await t.call({
        method: 'PUT',
        url: `/api/v1/users/${u.id}/password`,
        payload: { password: `${PASSWORD}-new` },
      }),
      204,
    );
    expectError(
      await t.call({ method: 'GET', url: '/api/v1/me', auth: null, headers: { cookie: s.cookie } }),
      401,
      'session_invalid',
    );
    expectError(await login('pw@acme.com', PASSWORD), 401, 'invalid_credentials');
  });
});

describe.each(dialects())('password spraying from one address (%s)', (dialect) => {
  it('locks the address after four times max_failures, across many accounts', async () => {
    const t = await testApp(
      dialect,
      { auth: { local_login: { max_failures: 2 } } },
      { scrypt: CHEAP_SCRYPT },
    );
    try {
      for (let i = 0; i < 8; i++) {
        expectStatus(
          await t.call({
            method: 'POST',
            url: '/api/v1/users',
            payload: { email: `s${i}@acme.com`, role: 'proxy_admin', password: PASSWORD },
          }),
          201,
        );
      }
      const attempt = (i: number, password: string, ip = '203.0.113.9') =>
        t.app.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { username: `s${i}@acme.com`, password },
          remoteAddress: ip,
        });
      // One wrong guess per account never locks an account (max_failures 2)…
      for (let i = 0; i < 7; i++)
        expectError(await attempt(i, 'guess-number-one'), 401, 'invalid_credentials');
      // …but the eighth failure from the same address locks the address.
      expectError(await attempt(7, 'guess-number-one'), 401, 'invalid_credentials');
      expectError(await attempt(0, PASSWORD), 429, 'rate_limited');
      // Another address is not affected.
      expectStatus(await attempt(0, PASSWORD, '198.51.100.7'), 200);
    } finally {
      await t.close();
    }
  });
});

describe.each(dialects())('local login switched off by config (%s)', (dialect) => {
  it('refuses every local login and audits the attempt', async () => {
    const t = await testApp(dialect, { auth: { local_login: { enabled: false } } });
    try {
      expectStatus(
        await t.call({
          method: 'POST',
          url: '/api/v1/users',
          payload: { email: 'a@acme.com', role: 'proxy_admin', password: PASSWORD },
        }),
        201,
      );
      expectError(
        await t.call({
          method: 'POST',
          url: '/auth/login',
          payload: { username: 'a@acme.com', password: PASSWORD },
          auth: null,
        }),
        403,
        'forbidden',
      );
      const audit = expectStatus<{ data: { after: { reason: string } }[] }>(
        await t.call({ method: 'GET', url: '/api/v1/audit?action=auth.login_failed' }),
        200,
      );
      expect(audit.data[0]?.after.reason).toBe('local login disabled');
    } finally {
      await t.close();
    }
  });
});
