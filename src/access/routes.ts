import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import type { GatehouseConfig } from '../config/types.js';
import { AppError } from '../errors/catalogue.js';
import { type ApiRoutes, actor } from '../http/api.js';
import { parse } from '../http/validate.js';
import { recordAudit } from '../identity/audit.js';
import type { ServiceContext } from '../identity/context.js';
import {
  type CookiePolicy,
  clearSessionCookies,
  SESSION_COOKIE,
  setSessionCookies,
} from './cookies.js';
import type { LocalLogin } from './local-login.js';
import { PASSWORD_MAX_LENGTH } from './passwords.js';
import type { SessionStore } from './sessions.js';

const loginBody = z.strictObject({
  username: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});

export function cookiePolicy(config: GatehouseConfig): CookiePolicy {
  return {
    secure: config.publicUrl.startsWith('https://'),
    maxAgeSeconds: Math.floor(
      (durationMs(config.auth.session_absolute_timeout) ?? 86_400_000) / 1000,
    ),
  };
}

/** `POST /auth/login` (break-glass local accounts) and `POST /auth/logout`. */
export function installAuthRoutes(
  app: FastifyInstance,
  deps: { login: LocalLogin; sessions: SessionStore; cookies: CookiePolicy; ctx: ServiceContext },
): void {
  // Browsers send Origin on cross-site POSTs; refusing foreign ones stops login CSRF (signing a
  // victim into an attacker's account) and forced logouts. Non-browser clients send none.
  const publicOrigin = new URL(deps.ctx.config.publicUrl).origin;
  const sameOrigin = async (req: FastifyRequest) => {
    const origin = req.headers.origin;
    if (origin === undefined || origin === publicOrigin) return;
    let host: string | null = null;
    try {
      host = new URL(origin).host;
    } catch {
      host = null;
    }
    if (host === null || host !== req.headers.host) {
      throw new AppError('csrf_failed', 'Cross-site sign-in requests are refused.');
    }
  };

  app.post('/auth/login', { onRequest: sameOrigin }, async (req, reply) => {
    const { username, password } = parse(loginBody, req.body);
    const r = await deps.login.login(username, password, {
      ip: req.ip,
      userAgent: req.headers['user-agent'],
      requestId: req.id,
    });
    setSessionCookies(reply, deps.cookies, r.secret, r.csrf);
    return reply.header('cache-control', 'no-store').send({
      user: r.user,
      csrf_token: r.csrf,
      session: { id: r.session.id, expires_at: r.session.expires_at },
    });
  });

  app.post('/auth/logout', { onRequest: sameOrigin }, async (req, reply) => {
    const secret = req.cookies[SESSION_COOKIE];
    if (secret) {
      const s = await deps.sessions.resolve(secret);
      if (s.ok) {
        await deps.sessions.revoke(s.id);
        await recordAudit(deps.ctx.db.kysely, {
          at: deps.ctx.now().toISOString(),
          actor: { type: 'user', id: s.userId, ip: req.ip, requestId: req.id },
          action: 'auth.logout',
          targetType: 'session',
          targetId: s.id,
        });
      }
    }
    clearSessionCookies(reply, deps.cookies);
    return reply.status(204).send();
  });
}

const sessionParam = z.strictObject({ id: z.string().min(1).max(100) });

/** The caller's identity and own sessions, under /api/v1/me. */
export const meRoutes: ApiRoutes = (app, { services }) => {
  app.get('/me', { config: { permission: 'me:read' } }, async (req) => {
    const p = req.principal;
    if (!p || p.kind === 'master') {
      return {
        principal: 'master_key',
        key_id: null,
        session_id: null,
        role: 'proxy_admin',
        user: null,
        teams: [],
      };
    }
    const user = p.userId ? await services.users.get(p.userId) : null;
    const teams = p.userId ? await services.memberships.listUserTeams(p.userId) : [];
    return {
      principal: p.kind === 'session' ? 'session' : 'api_key',
      key_id: p.keyId,
      session_id: p.kind === 'session' ? p.sessionId : null,
      role: p.role,
      user,
      teams,
    };
  });

  app.get('/me/sessions', { config: { permission: 'me:sessions' } }, async (req) => {
    const userId = req.principal?.userId;
    if (!userId) return { data: [] };
    const current = req.principal?.kind === 'session' ? req.principal.sessionId : null;
    const rows = await services.sessions.listForUser(userId);
    return { data: rows.map((s) => ({ ...s, current: s.id === current })) };
  });

  app.delete('/me/sessions/:id', { config: { permission: 'me:sessions' } }, async (req, reply) => {
    const { id } = parse(sessionParam, req.params, 'path');
    const userId = req.principal?.userId;
    if (!userId || !(await services.sessions.revoke(id, userId)))
      throw new AppError('not_found', `session '${id}' does not exist.`);
    await recordAudit(services.ctx.db.kysely, {
      at: services.ctx.now().toISOString(),
      actor: actor(req),
      action: 'auth.session_revoked',
      targetType: 'session',
      targetId: id,
    });
    return reply.status(204).send();
  });
};
