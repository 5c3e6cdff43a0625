import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/support/db.js';
import {
  LOGIN_STATE_COOKIE_PATH,
  type LoginStateData,
  type LoginStateStore,
  loginStateCookieOptions,
  loginStateStore,
} from './login-states.js';

const OIDC: LoginStateData = {
  protocol: 'oidc',
  state: 'state-value-abcdefghijklmnop',
  nonce: 'nonce-value-abcdefghijklmnop',
  codeVerifier: 'verifier-value-abcdefghijklmnopqrstuvwxyz0123',
};

describe.each(dialects())('login states (%s)', (dialect) => {
  let db: TestDb;
  let clock: number;
  let store: LoginStateStore;
  beforeEach(async () => {
    db = await testDb(dialect);
    clock = Date.parse('2026-01-01T10:00:00Z');
    store = loginStateStore(db.kysely, { now: () => new Date(clock) });
  });
  afterEach(async () => {
    await db.dispose();
  });

  it('hands back what was stored, once', async () => {
    const { handle, expiresAt } = await store.create({
      connectionId: 'okta',
      returnTo: '/ui/teams',
      data: OIDC,
    });
    expect(expiresAt).toBe('2026-01-01T10:10:00.000Z');
    const r = await store.consume(handle, 'okta');
    expect(r).toEqual({
      ok: true,
      state: {
        connectionId: 'okta',
        returnTo: '/ui/teams',
        data: OIDC,
        createdAt: '2026-01-01T10:00:00.000Z',
        expiresAt,
      },
    });
  });

  it('login state consumed twice: the second callback finds nothing', async () => {
    const { handle } = await store.create({ connectionId: 'okta', returnTo: '/ui/', data: OIDC });
    expect((await store.consume(handle, 'okta')).ok).toBe(true);
    expect(await store.consume(handle, 'okta')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('login state consumed twice at the same moment: exactly one wins', async () => {
    const { handle } = await store.create({ connectionId: 'okta', returnTo: '/ui/', data: OIDC });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => store.consume(handle, 'okta')),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it("login state with another browser's handle, or none: nothing is found, nothing is spent", async () => {
    const mine = await store.create({ connectionId: 'okta', returnTo: '/ui/', data: OIDC });
    const theirs = await store.create({ connectionId: 'okta', returnTo: '/ui/', data: OIDC });
    expect(await store.consume(undefined, 'okta')).toEqual({ ok: false, reason: 'unknown' });
    expect(await store.consume('', 'okta')).toEqual({ ok: false, reason: 'unknown' });
    expect(await store.consume('x'.repeat(43), 'okta')).toEqual({ ok: false, reason: 'unknown' });
    expect(await store.consume("' or 1=1 --", 'okta')).toEqual({ ok: false, reason: 'unknown' });
    // Each browser's own handle still works for its own sign-in.
    expect((await store.consume(theirs.handle, 'okta')).ok).toBe(true);
    expect((await store.consume(mine.handle, 'okta')).ok).toBe(true);
  });

  it('login state for another connection is refused and spent', async () => {
    const { handle } = await store.create({ connectionId: 'okta', returnTo: '/ui/', data: OIDC });
    expect(await store.consume(handle, 'entra')).toEqual({
      ok: false,
      reason: 'wrong_connection',
    });
    expect(await store.consume(handle, 'okta')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('expires after ten minutes (injected clock)', async () => {
    const a = await store.create({ connectionId: 'okta', returnTo: '/ui/', data: OIDC });
    const b = await store.create({ connectionId: 'okta', returnTo: '/ui/', data: OIDC });
    clock += 10 * 60_000 - 1;
    expect((await store.consume(a.handle, 'okta')).ok).toBe(true);
    clock += 1;
    expect(await store.consume(b.handle, 'okta')).toEqual({ ok: false, reason: 'expired' });
  });

  it('database leak: the table holds neither the handle nor the protocol values', async () => {
    const { handle } = await store.create({ connectionId: 'okta', returnTo: '/ui/', data: OIDC });
    const saml = await store.create({
      connectionId: 'entra-saml',
      returnTo: '/ui/',
      data: { protocol: 'saml', requestId: '_request-id-0123456789' },
    });
    const dump = JSON.stringify(
      await db.kysely.selectFrom('sso_login_states').selectAll().execute(),
    );
    for (const secret of [
      handle,
      saml.handle,
      OIDC.state,
      OIDC.nonce,
      OIDC.codeVerifier,
      '_request-id-0123456789',
    ]) {
      expect(dump).not.toContain(secret);
    }
    expect((await store.consume(saml.handle, 'entra-saml')).ok).toBe(true);
  });

  it('row tampering: a record whose payload was swapped with another row is refused', async () => {
    const a = await store.create({ connectionId: 'okta', returnTo: '/ui/', data: OIDC });
    const b = await store.create({
      connectionId: 'okta',
      returnTo: '/ui/',
      data: { ...OIDC, state: 'attacker-chosen-state-value' },
    });
    const rows = await db.kysely.selectFrom('sso_login_states').selectAll().execute();
    const other = rows.find((r) => r.payload !== rows[0]?.payload);
    const first = rows[0];
    if (!first || !other) throw new Error('expected two rows');
    await db.kysely
      .updateTable('sso_login_states')
      .set({ payload: other.payload })
      .where('handle_hash', '=', first.handle_hash)
      .execute();
    const results = [await store.consume(a.handle, 'okta'), await store.consume(b.handle, 'okta')];
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'unknown' }]);
  });

  it('purges expired records only', async () => {
    await store.create({ connectionId: 'okta', returnTo: '/ui/', data: OIDC });
    clock += 5 * 60_000;
    const fresh = await store.create({ connectionId: 'okta', returnTo: '/ui/', data: OIDC });
    clock += 5 * 60_000;
    expect(await store.purgeExpired()).toBe(1);
    expect((await store.consume(fresh.handle, 'okta')).ok).toBe(true);
  });

  it('a login started on one instance finishes on another (shared database)', async () => {
    const other = loginStateStore(db.kysely, { now: () => new Date(clock) });
    const { handle } = await store.create({ connectionId: 'okta', returnTo: '/ui/', data: OIDC });
    expect((await other.consume(handle, 'okta')).ok).toBe(true);
  });
});

describe('login state cookie', () => {
  it('is HttpOnly, scoped to /sso/, Lax for OIDC and None (Secure) for SAML over https', () => {
    expect(loginStateCookieOptions('oidc', true)).toEqual({
      path: LOGIN_STATE_COOKIE_PATH,
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
      maxAge: 600,
    });
    expect(loginStateCookieOptions('saml', true).sameSite).toBe('none');
    expect(loginStateCookieOptions('saml', false).sameSite).toBe('lax');
  });
});
