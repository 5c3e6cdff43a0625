import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import type { GatehouseConfig } from '../config/types.js';
import { AppError } from '../errors/catalogue.js';
import { refuseNul } from '../http/nul.js';
import { parse } from '../http/validate.js';
import { recordAudit } from '../identity/audit.js';
import type { ServiceContext } from '../identity/write.js';
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

/**
 * Where the browser goes next to end the IdP's session as well (RP-initiated logout), for a
 * session made by SSO; null when there is nowhere to go.
 */
export type IdpLogoutUrl = (session: {
  method: string;
  idToken: string | null;
}) => Promise<string | null>;

/** `POST /auth/login` (break-glass local accounts) and `POST /auth/logout`. */
export function installAuthRoutes(
  app: FastifyInstance,
  deps: {
    login: LocalLogin;
    sessions: SessionStore;
    cookies: CookiePolicy;
    ctx: ServiceContext;
    idpLogoutUrl?: IdpLogoutUrl;
  },
): void {
  // Browsers send Origin on cross-site POSTs; refusing foreign ones stops login CSRF (signing a
  // victim into an attacker's account) and forced logouts. Non-browser clients send none.
  const publicOrigin = new URL(deps.ctx.config.publicUrl).origin;
  const sameOrigin = (what: string) => async (req: FastifyRequest) => {
    const origin = req.headers.origin;
    if (origin === undefined || origin === publicOrigin) return;
    let host: string | null = null;
    try {
      host = new URL(origin).host;
    } catch {
      host = null;
    }
    if (host === null || host !== req.headers.host) {
      throw new AppError(
        'csrf_failed',
        `Cross-site ${what} requests are refused; use ${publicOrigin} directly.`,
      );
    }
  };

  app.post(
    '/auth/login',
    { onRequest: sameOrigin('sign-in'), preValidation: refuseNul },
    async (req, reply) => {
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
    },
  );

  app.post('/auth/logout', { onRequest: sameOrigin('sign-out') }, async (req, reply) => {
    const secret = req.cookies[SESSION_COOKIE];
    let logoutUrl: string | null = null;
    if (secret) {
      const s = await deps.sessions.resolve(secret);
      if (s.ok) {
        const made = deps.idpLogoutUrl ? await deps.sessions.signOutContext(secret) : null;
        await deps.sessions.revoke(s.id);
        if (made && deps.idpLogoutUrl) logoutUrl = await deps.idpLogoutUrl(made);
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
    if (logoutUrl) {
      return reply.header('cache-control', 'no-store').send({ logout_url: logoutUrl });
    }
    return reply.status(204).send();
  });
}
