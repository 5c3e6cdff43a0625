import { durationMs } from '../config/duration.js';
import type { GlobalRole } from '../config/roles.js';
import type { AuthConfig } from '../config/schema.js';
import { AppError } from '../errors/catalogue.js';
import type { Actor } from '../identity/actor.js';
import { recordAudit } from '../identity/audit.js';
import type { UsersService } from '../identity/users.js';
import { type ServiceContext, write } from '../identity/write.js';
import { type CheckSlots, checkSlots } from './check-slots.js';
import { loginCounters, verdict } from './login-counters.js';
import {
  describeParams,
  hashPassword,
  needsRehash,
  SCRYPT_PARAMS,
  type ScryptParams,
  storedParams,
  unmatchableHash,
  verifyPassword,
} from './passwords.js';
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

export interface LocalLoginDeps {
  /** Redoes a weak hash after a successful login without ending the user's sessions. */
  users: Pick<UsersService, 'rehashPassword'>;
  /** The cost new hashes get; lower only in tests that are not about the cost. */
  scrypt?: ScryptParams | undefined;
  /** Password checks at once and in line (default 2 and 16); beyond them, 429 at once. */
  checks?: CheckSlots | undefined;
}

export interface LocalLogin {
  login(name: string, password: string, meta: LoginMeta): Promise<LoginResult>;
}

/**
 * Break-glass login with a local password. It depends on nothing but the database, so it works
 * when every IdP is down. Attempts are counted per login name and per client address (in the
 * database, so every instance agrees) before the password is checked, and past the limit are
 * refused without checking; every attempt is audited.
 */
export function localLogin(
  ctx: ServiceContext,
  sessions: SessionStore,
  policy: AuthConfig['local_login'],
  deps: LocalLoginDeps,
): LocalLogin {
  const db = ctx.db.kysely;
  const lockoutMs = durationMs(policy.lockout) ?? 15 * 60_000;
  const counters = loginCounters(db, lockoutMs);
  const scrypt = deps.scrypt ?? SCRYPT_PARAMS;
  // Checked when no account matches or it has no password: every path costs one scrypt.
  const unmatchable = unmatchableHash(scrypt);
  const checks = deps.checks ?? checkSlots(2, 16);

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

  /** Stores a hash at today's cost once the password is known right; never fails the login. */
  async function upgradeHash(userId: string, stored: string, password: string, meta: LoginMeta) {
    const from = storedParams(stored);
    if (!from || !needsRehash(stored, scrypt)) return;
    const actor: Actor = { type: 'user', id: userId, ip: meta.ip, requestId: meta.requestId };
    try {
      const to = await hashPassword(password, scrypt);
      await write(ctx, actor, (s) =>
        deps.users.rehashPassword(s, userId, {
          from: stored,
          to,
          fromParams: describeParams(from),
          toParams: describeParams(scrypt),
        }),
      );
    } catch (err) {
      ctx.log.warn(
        { err, user_id: userId },
        'password rehash failed; the old hash stays and is redone at the next login',
      );
    }
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
    const attemptCounters: Counter[] = [
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
    // Counted before the slow check, so parallel guesses cannot all pass on one old count.
    const now = ctx.now();
    let retryAfterSeconds = 0;
    const reached: Counter['what'][] = [];
    const passed: Counter[] = [];
    for (const c of attemptCounters) {
      const counted = await counters.count(c.key, c.threshold, now);
      const v = verdict(counted, c.threshold, now);
      if (v.refuse) retryAfterSeconds = Math.max(retryAfterSeconds, v.retryAfterSeconds);
      else {
        passed.push(c);
        if (counted.attempts >= c.threshold) reached.push(c.what);
      }
    }
    if (retryAfterSeconds > 0) {
      // Nothing was checked, so the counters that let it through get it back: a locked address
      // must not use up the budget of the accounts it names, nor the other way round.
      for (const c of passed) await counters.refund(c.key, c.threshold);
      await audit('auth.login_failed', user?.id ?? null, login, 'locked out', meta);
      throw new AppError(
        'rate_limited',
        `Too many failed attempts; try again in ${retryAfterSeconds} seconds.`,
        undefined,
        { retryAfterSeconds },
      );
    }
    const slot = checks.acquire();
    if (!slot) {
      // Not checked either: the attempt is given back to every counter.
      for (const c of passed) await counters.refund(c.key, c.threshold);
      await audit('auth.login_failed', user?.id ?? null, login, 'too many logins at once', meta);
      throw new AppError(
        'rate_limited',
        'Too many logins at once; try again in a second.',
        undefined,
        { retryAfterSeconds: 1 },
      );
    }
    const release = await slot;
    const stored = user?.password_hash ?? null;
    let ok: boolean;
    try {
      ok = await verifyPassword(password, stored ?? unmatchable);
    } finally {
      release();
    }
    if (!user || stored === null || !ok) {
      await counters.prune(now);
      const reason = ['wrong user name or password', ...reached.map((w) => `${w} locked out`)].join(
        '; ',
      );
      await audit('auth.login_failed', user?.id ?? null, login, reason, meta);
      throw new AppError('invalid_credentials', 'Wrong user name or password.');
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
    // Success clears the account's counter; the address only gets this attempt back, so a
    // sprayer cannot reset it by signing in to an account of their own.
    for (const c of attemptCounters) {
      if (c.what === 'account') await counters.clear(c.key);
      else await counters.refund(c.key, c.threshold);
    }
    await upgradeHash(user.id, stored, password, meta);
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
