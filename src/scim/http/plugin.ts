import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../db/connect.js';
import { AppError, isAppError } from '../../errors/catalogue.js';
import { fromFastify, installSurfaceErrors } from '../../http/errors.js';
import { refuseNul } from '../../http/nul.js';
import { type ServiceContext, type WriteScope, write } from '../../identity/write.js';
import type { ActivityStore } from '../activity/store.js';
import { type ScimGroups, type ScimTeamServices, scimGroups } from '../service/groups.js';
import {
  type ScimUserServices,
  type ScimUsers,
  type ScimView,
  scimUsers,
} from '../service/users.js';
import { directorySource, tokenActorId } from '../tokens/rules.js';
import type { ScimPrincipal, ScimTokenStore } from '../tokens/store.js';
import { parseJsonBody, SCIM_BODY_LIMIT, SCIM_BODY_TYPES } from './body.js';
import { type RatePolicy, rateLimiter } from './rate-limit.js';
import { SCIM_SURFACE, toScim } from './surface.js';
import './request-types.js';

/** What the SCIM surface is built from: narrow services, handed in by the composition root. */
export interface ScimDeps {
  ctx: ServiceContext;
  users: ScimUserServices;
  teams: ScimTeamServices;
  tokens: Pick<ScimTokenStore, 'authenticate'>;
  activity: Pick<ActivityStore, 'record'>;
  /** The SCIM base URL clients use, e.g. `https://gw.acme.com/scim/v2` (meta.location). */
  baseUrl: string;
  rateLimit: RatePolicy;
}

/** What each routes file gets. */
export interface ScimRouteDeps {
  db: Db;
  baseUrl: string;
  users: ScimUsers;
  groups: ScimGroups;
  /** The calling directory (after authentication). */
  view(request: FastifyRequest): ScimView;
  /** Runs a request's changes in one write scope, as its token. */
  write<T>(request: FastifyRequest, fn: (s: WriteScope, view: ScimView) => Promise<T>): Promise<T>;
  /** Attributes the client sent that are not kept: shown in the activity log. */
  noteIgnored(request: FastifyRequest, ignored: readonly string[]): void;
}

export type ScimRoutes = (app: FastifyInstance, deps: ScimRouteDeps) => void;

interface RequestState {
  principal?: ScimPrincipal;
  error?: { code: string; detail: string };
  ignored?: readonly string[];
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The `/scim/v2` surface as one encapsulated plugin: SCIM JSON in and out, SCIM errors for
 * everything (its own, Fastify's, unknown routes), a SCIM token on every route that declares
 * `token` (and a declaration on every route, or start-up fails), a rate limit per token, and
 * one activity-log entry per request.
 */
export function scimPlugin(deps: ScimDeps, routes: readonly ScimRoutes[]) {
  const { ctx } = deps;
  const limiter = rateLimiter(deps.rateLimit, () => ctx.now().getTime());
  const states = new WeakMap<FastifyRequest, RequestState>();
  const state = (r: FastifyRequest): RequestState => {
    let st = states.get(r);
    if (!st) {
      st = {};
      states.set(r, st);
    }
    return st;
  };

  async function authenticate(request: FastifyRequest): Promise<ScimPrincipal> {
    const header = request.headers.authorization;
    const secret = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (!secret)
      throw new AppError(
        'unauthenticated',
        'Send the SCIM token made in Gatehouse as "Authorization: Bearer <token>".',
      );
    const r = await deps.tokens.authenticate(secret);
    if (!r.ok)
      throw new AppError(
        'invalid_credentials',
        r.reason === 'revoked'
          ? 'This SCIM token was revoked; make a new one in Gatehouse and paste it into the IdP.'
          : 'The SCIM token is not valid.',
      );
    return r.principal;
  }

  const viewOf = (p: ScimPrincipal): ScimView => ({
    source: directorySource(p.directoryId),
    baseUrl: deps.baseUrl,
  });

  const routeDeps: ScimRouteDeps = {
    db: ctx.db,
    baseUrl: deps.baseUrl,
    users: scimUsers(deps.users, ctx.db.dialect),
    groups: scimGroups(deps.teams, ctx.db.dialect),
    view(request) {
      const p = states.get(request)?.principal;
      if (!p) throw new AppError('unauthenticated');
      return viewOf(p);
    },
    write(request, fn) {
      const p = states.get(request)?.principal;
      if (!p) throw new AppError('unauthenticated');
      const actor = {
        type: 'scim' as const,
        id: tokenActorId(p.tokenId),
        ip: request.ip,
        requestId: request.id,
      };
      return write(ctx, actor, (s) => fn(s, viewOf(p)));
    },
    noteIgnored(request, ignored) {
      if (ignored.length > 0) state(request).ignored = ignored;
    },
  };

  return async (app: FastifyInstance) => {
    installSurfaceErrors(app, SCIM_SURFACE);
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      [...SCIM_BODY_TYPES],
      { parseAs: 'string', bodyLimit: SCIM_BODY_LIMIT },
      (_request, body, done) => {
        try {
          done(null, parseJsonBody(body as string));
        } catch (e) {
          done(e as Error, undefined);
        }
      },
    );

    app.addHook('onRoute', (route) => {
      const auth = route.config?.scim_auth;
      if (auth !== 'token' && auth !== 'public')
        throw new Error(`SCIM route ${route.method} ${route.url} declares no authentication`);
    });

    app.addHook('onRequest', async (request) => {
      // Unknown routes authenticate too: a wrong token learns nothing about which URLs exist.
      if (request.routeOptions.config.scim_auth === 'public') return;
      const principal = await authenticate(request);
      state(request).principal = principal;
      const wait = limiter.check(principal.tokenId);
      if (wait !== null)
        throw new AppError(
          'rate_limited',
          `Too many SCIM requests for this token; retry after ${wait} s.`,
          undefined,
          { retryAfterSeconds: wait },
        );
    });

    // PostgreSQL cannot store NUL: refused on every database, after the token check.
    app.addHook('preValidation', refuseNul);

    app.addHook('onError', async (request, _reply, error: FastifyError) => {
      const err = toScim(isAppError(error) ? error : fromFastify(error));
      state(request).error = { code: err.code, detail: err.message };
    });

    // Queued as the response goes out (so a client that reads the log next finds it there);
    // written in batches off the request's path.
    app.addHook('onSend', async (request, reply, payload) => {
      const st = states.get(request);
      deps.activity.record({
        at: ctx.now().toISOString(),
        tokenId: st?.principal?.tokenId ?? null,
        method: request.method,
        path: request.url,
        status: reply.statusCode,
        error:
          st?.error ?? (reply.statusCode >= 400 ? errorFromBody(reply.statusCode, payload) : null),
        durationMs: reply.elapsedTime,
        requestId: request.id,
        ignored: st?.ignored ?? [],
      });
      return payload;
    });

    for (const register of routes) register(app, routeDeps);
  };
}

/**
 * A rendered SCIM error that passed no error hook — the surface's not-found handler, the only
 * one — as its scimType (else what a 404 there means), and detail.
 */
function errorFromBody(status: number, payload: unknown): { code: string; detail: string } {
  if (typeof payload === 'string') {
    try {
      const body = JSON.parse(payload) as { scimType?: unknown; detail?: unknown };
      return {
        code:
          typeof body.scimType === 'string'
            ? body.scimType
            : status === 404
              ? 'route_not_found'
              : `http_${status}`,
        detail: typeof body.detail === 'string' ? body.detail : '',
      };
    } catch {
      // not JSON: fall through
    }
  }
  return { code: `http_${status}`, detail: '' };
}
