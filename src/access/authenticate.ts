import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { GlobalRole } from '../config/roles.js';
import { AppError } from '../errors/catalogue.js';
import { refuseQueryCredential } from '../http/query-credentials.js';
import type { KeyCache } from '../keys/cache.js';
import { secretDigest, secretEquals } from '../keys/secret.js';
import { CSRF_HEADER, SESSION_COOKIE } from './cookies.js';
import { MASTER, type Principal, presentedCredential } from './principal.js';
import { csrfToken, type SessionStore } from './sessions.js';

export interface Authenticator {
  /** API keys only, from memory: the gateway's hot path. Throws a 401 whose code says why. */
  authenticateKey(request: Pick<FastifyRequest, 'query' | 'headers'>): Principal;
  /** Management API and UI: an API key, or else the session cookie (with CSRF on writes). */
  authenticateApi(request: FastifyRequest): Promise<Principal>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const SESSION_MESSAGES: Record<string, string> = {
  unknown: 'The session is not valid; sign in again.',
  revoked: 'The session was ended (signed out or revoked); sign in again.',
  expired: 'The session expired; sign in again.',
  idle: 'The session expired after inactivity; sign in again.',
};

export function authenticator(opts: {
  masterKey: string | undefined;
  keys: KeyCache;
  sessions: SessionStore;
  now: () => Date;
}): Authenticator {
  const masterDigest = opts.masterKey === undefined ? null : secretDigest(opts.masterKey);
  function fromKey(secret: string): Principal {
    // One digest per request: compared with the master key's in constant time, whatever the
    // presented value looks like, then the key cache's lookup.
    const digest = secretDigest(secret);
    if (masterDigest && timingSafeEqual(digest, masterDigest)) return MASTER;
    const r = opts.keys.check(digest.toString('hex'), opts.now().getTime());
    if (!r.ok) throw new AppError(r.code, r.message);
    return {
      kind: 'key',
      role: r.key.user?.role ?? null,
      userId: r.key.user?.id ?? null,
      keyId: r.key.id,
      teamId: r.key.team?.id ?? null,
      purpose: r.key.purpose,
    };
  }

  return {
    authenticateKey(request) {
      refuseQueryCredential(request.query);
      const secret = presentedCredential(request.headers);
      if (secret === null) {
        throw new AppError('unauthenticated', 'Send an API key as "Authorization: Bearer <key>".');
      }
      return fromKey(secret);
    },

    async authenticateApi(request) {
      refuseQueryCredential(request.query);
      const secret = presentedCredential(request.headers);
      if (secret !== null) return fromKey(secret);
      const cookie = request.cookies[SESSION_COOKIE];
      if (!cookie) {
        throw new AppError(
          'unauthenticated',
          'Sign in, or send an API key as "Authorization: Bearer <key>".',
        );
      }
      const s = await opts.sessions.resolve(cookie);
      if (!s.ok) {
        if (s.reason === 'user_inactive')
          throw new AppError('user_inactive', 'This account is deactivated.');
        throw new AppError('session_invalid', SESSION_MESSAGES[s.reason]);
      }
      // Cookies ride along on cross-site requests; a write must also prove it read our CSRF cookie.
      if (!SAFE_METHODS.has(request.method)) {
        const header = request.headers[CSRF_HEADER];
        if (typeof header !== 'string' || !secretEquals(header, csrfToken(cookie))) {
          throw new AppError(
            'csrf_failed',
            `Send the ${CSRF_HEADER} header with the value of the gh_csrf cookie.`,
          );
        }
      }
      return {
        kind: 'session',
        role: s.role as GlobalRole,
        userId: s.userId,
        keyId: null,
        teamId: null,
        sessionId: s.id,
      };
    },
  };
}
