import { randomBytes } from 'node:crypto';
import { durationMs } from '../config/duration.js';
import type { GlobalRole } from '../config/roles.js';
import type { AuthConfig } from '../config/schema.js';
import { AppError } from '../errors/catalogue.js';
import { recordAudit } from '../identity/audit.js';
import type { ServiceContext } from '../identity/write.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { SessionInfo, SessionStore } from './sessions.js';

interface Counter {
  key: string;
  threshold: number;
  what: 'account' | 'address';
}

/** An address may fail this many times more than one account before it is locked out. */
const IP_FACTOR = 4;

export interface LoginMeta {
  ip?: string | undefined;
  userAgent?: string | undefined;
  requestId?: string | undefined;
}

export interface LoginResult {
  user: { id: string; user_name: string | null; email: string | null; role: GlobalRole };
  secret: string;
  csrf: string;
  session: SessionInfo;
}

/**
 * Break-glass login with a local password. It depends on nothing but the database, so it works
 * when every IdP is down. Failures are counted per login name (in the database, so every
 * instance agrees) and lock the name out for a while; every attempt is audited.
 */
export function localLogin(
  ctx: ServiceContext,
  sessions: SessionStore,
  policy: AuthConfig['local_login'],
) {
  const db = ctx.db.kysely;
  const lockoutMs = durationMs(policy.lockout) ?? 15 * 60_000;
  // Verified against when the account does not exist, so both paths cost one scrypt.
  const dummy = hashPassword(randomBytes(16).toString('hex'));

  async function audit(
    action: 'auth.login_succeeded' | 'auth.login_failed',
    userId: string | null,
    login: string,
    reason: string | null,
    meta: LoginMeta,
  ) {
    await recordAudit(db, {
      at: ctx.now().toISOString(),
      actor: { type: 'user', id: userId, ip: meta.ip, requestId: meta.requestId },
      action,
      targetType: 'user',
      targetId: userId,
      after: { login, method: 'password', ...(reason ? { reason } : {}) },
    });
  }

  /** Counts one failure on a counter; returns when it is now locked until, if it is. */
  async function bump(counter: string, threshold: number): Promise<string | null> {
    const now = ctx.now();
    const row = await db
      .selectFrom('login_failures')
      .selectAll()
      .where('login', '=', counter)
      .executeTakeFirst();
    const windowOpen = row && now.getTime() - Date.parse(row.first_failure_at) < lockoutMs;
    const failures = windowOpen ? row.failures + 1 : 1;
    const lockedUntil =
      failures >= threshold ? new Date(now.getTime() + lockoutMs).toISOString() : null;
    const values = {
      failures,
      first_failure_at: windowOpen ? row.first_failure_at : now.toISOString(),
      locked_until: lockedUntil,
    };
    await db
      .insertInto('login_failures')
      .values({ login: counter, ...values })
      .onConflict((oc) => oc.column('login').doUpdateSet(values))
      .execute();
    return lockedUntil;
  }

  async function fail(
    counters: Counter[],
    login: string,
    userId: string | null,
    meta: LoginMeta,
  ): Promise<never> {
    const now = ctx.now();
    // Forget counters whose window has passed, so unknown names and addresses do not pile up.
    const stale = new Date(now.getTime() - lockoutMs).toISOString();
    await db
      .deleteFrom('login_failures')
      .where('first_failure_at', '<', stale)
      .where((eb) =>
        eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now.toISOString())]),
      )
      .execute();
    const locked: string[] = [];
    for (const c of counters) if (await bump(c.key, c.threshold)) locked.push(c.what);
    const reason = ['wrong user name or password', ...locked.map((w) => `${w} locked out`)].join(
      '; ',
    );
    await audit('auth.login_failed', userId, login, reason, meta);
    throw new AppError('invalid_credentials', 'Wrong user name or password.');
  }

  async function login(name: string, password: string, meta: LoginMeta): Promise<LoginResult> {
    const login = name.trim().toLowerCase();
    // A user name wins over someone else's identical email, so the answer is never arbitrary.
    const candidates = await db
      .selectFrom('users')
      .select([
        'id',
        'user_name',
        'user_name_normalized',
        'email',
        'role',
        'active',
        'password_hash',
      ])
      .where((eb) =>
        eb.or([eb('user_name_normalized', '=', login), eb('email_normalized', '=', login)]),
      )
      .execute();
    const user = candidates.find((c) => c.user_name_normalized === login) ?? candidates[0];
    if (!policy.enabled) {
      await audit('auth.login_failed', user?.id ?? null, login, 'local login disabled', meta);
      throw new AppError('forbidden', 'Local login is disabled; sign in with SSO.');
    }
    // One counter per account (user name and email share it; unknown names count per name),
    // and a looser one per client address against spraying many accounts from one place.
    const counters: Counter[] = [
      {
        key: user ? `user:${user.id}` : `name:${login}`,
        threshold: policy.max_failures,
        what: 'account' as const,
      },
      ...(meta.ip
        ? [
            {
              key: `ip:${meta.ip}`,
              threshold: policy.max_failures * IP_FACTOR,
              what: 'address' as const,
            },
          ]
        : []),
    ];
    const locks = await db
      .selectFrom('login_failures')
      .select(['login', 'locked_until'])
      .where(
        'login',
        'in',
        counters.map((c) => c.key),
      )
      .execute();
    const until = locks
      .map((l) => (l.locked_until ? Date.parse(l.locked_until) : 0))
      .reduce((a, b) => Math.max(a, b), 0);
    if (until > ctx.now().getTime()) {
      await audit('auth.login_failed', user?.id ?? null, login, 'locked out', meta);
      const seconds = Math.ceil((until - ctx.now().getTime()) / 1000);
      throw new AppError(
        'rate_limited',
        `Too many failed attempts; try again in ${seconds} seconds.`,
      );
    }
    const ok = await verifyPassword(password, user?.password_hash ?? (await dummy));
    if (!user?.password_hash || !ok) {
      return fail(counters, login, user?.id ?? null, meta);
    }
    if (user.active === 0) {
      await audit('auth.login_failed', user.id, login, 'user deactivated', meta);
      throw new AppError('user_inactive', 'This account is deactivated.');
    }
    const role = user.role as GlobalRole;
    if (!policy.allowed_roles.includes(role)) {
      await audit(
        'auth.login_failed',
        user.id,
        login,
        `role ${role} may not use local login`,
        meta,
      );
      throw new AppError(
        'forbidden',
        'Local login is not allowed for your role; sign in with SSO.',
      );
    }
    // Success clears the account's counter; the address keeps its count for its window.
    await db
      .deleteFrom('login_failures')
      .where('login', '=', counters[0]?.key ?? '')
      .execute();
    const s = await sessions.create(user.id, 'password', meta);
    await audit('auth.login_succeeded', user.id, login, null, meta);
    return {
      user: { id: user.id, user_name: user.user_name, email: user.email, role },
      secret: s.secret,
      csrf: s.csrf,
      session: s.info,
    };
  }

  return { login };
}

export type LocalLogin = ReturnType<typeof localLogin>;
