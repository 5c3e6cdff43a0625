import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/catalogue.js';
import type { KeyCache } from '../keys/cache.js';
import { secretEquals } from '../keys/secret.js';
import { MASTER, type Principal, presentedCredential } from './principal.js';

export interface Authenticator {
  /** Resolves the caller or throws a 401 whose code says why (missing, invalid, blocked, …). */
  authenticate(request: FastifyRequest): Principal;
}

export function authenticator(opts: {
  masterKey: string | undefined;
  keys: KeyCache;
  now: () => Date;
}): Authenticator {
  return {
    authenticate(request) {
      const secret = presentedCredential(request.headers);
      if (secret === null) {
        throw new AppError('unauthenticated', 'Send an API key as "Authorization: Bearer <key>".');
      }
      // Compared in constant time on every request, whatever the presented value looks like.
      if (opts.masterKey !== undefined && secretEquals(secret, opts.masterKey)) return MASTER;
      const r = opts.keys.check(secret, opts.now().getTime());
      if (!r.ok) throw new AppError(r.code, r.message);
      return {
        kind: 'key',
        role: r.key.user?.role ?? null,
        userId: r.key.user?.id ?? null,
        keyId: r.key.id,
        teamId: r.key.team?.id ?? null,
      };
    },
  };
}
