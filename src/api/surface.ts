import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Authenticator } from '../access/authenticate.js';
import { authorize, type Target } from '../access/guard.js';
import type { Action, Scope } from '../access/matrix.js';
import { actorOf, type Principal } from '../access/principal.js';
import { loadSubject, type Subject } from '../access/subject.js';
import { AppError, invalid } from '../errors/catalogue.js';
import { API_ERRORS } from '../errors/render.js';
import { installSurfaceErrors, type Surface } from '../http/errors.js';
import { refuseNul } from '../http/nul.js';
import { parse } from '../http/validate.js';
import type { Actor } from '../identity/actor.js';
import { write } from '../identity/write.js';
import type { ApiRoutes, ApiServices } from './deps.js';
import './request-types.js';

export const API_SURFACE: Surface = { name: 'api', prefixes: ['/api/'], ...API_ERRORS };

/** A management route as declared: what the route × role test walks. */
export interface DeclaredRoute {
  method: string;
  url: string;
  permission: Action;
}

export function actor(request: FastifyRequest): Actor {
  if (!request.principal) throw new AppError('unauthenticated');
  return actorOf(request.principal, request.ip, request.id);
}

export function access(request: FastifyRequest): { subject: Subject; scope: Scope } {
  if (!request.access) throw new AppError('forbidden');
  return request.access;
}

const RESOURCE_TARGET: Record<string, 'user' | 'team' | 'org' | 'key'> = {
  users: 'user',
  teams: 'team',
  team_members: 'team',
  organizations: 'org',
  org_members: 'org',
  keys: 'key',
};

function defaultTarget(action: Action, request: FastifyRequest): Target {
  const resource = action.slice(0, action.indexOf(':'));
  if (resource === 'me') return { kind: 'self' };
  const id = (request.params as Record<string, unknown> | undefined)?.id;
  const kind = RESOURCE_TARGET[resource];
  if (typeof id === 'string' && kind) return { kind, id };
  return { kind: 'list' };
}

const READS = new Set(['GET', 'HEAD']);

const NO_QUERY = z.strictObject({});

/**
 * Every route's query against the parameters it declared: an unknown one is refused with its
 * name and the ones the route takes, so a misspelt filter never silently lists everything.
 */
function checkQuery(schema: z.ZodObject, query: unknown): unknown {
  const allowed = Object.keys(schema.shape);
  const given = query && typeof query === 'object' ? Object.keys(query) : [];
  const unknown = given.filter((k) => !allowed.includes(k));
  if (unknown.length) {
    const takes = allowed.length ? `it takes ${allowed.join(', ')}` : 'it takes none';
    throw invalid(
      `Unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}: ${takes}.`,
      unknown.map((k) => ({ path: k, message: 'unknown query parameter' })),
    );
  }
  return parse(schema, query, 'query');
}

/** The query of a route that declared `schema` as its `query`, already validated. */
export function queryOf<S extends z.ZodObject>(request: FastifyRequest, schema: S): z.infer<S> {
  if (request.routeOptions.config.query !== schema) {
    throw new Error(`route ${request.routeOptions.url} reads a query schema it did not declare`);
  }
  // Parsed with this very schema by the preHandler hook (checked just above).
  return request.parsedQuery as z.infer<S>;
}

/**
 * A key acts on the management API only as far as its purpose allows, whatever its owner's
 * role: `inference` keys may ask who they are and nothing else, `read_only` keys may read.
 */
function assertPurposeAllows(p: Principal, permission: Action, method: string): void {
  if (p.kind !== 'key' || p.purpose === 'management') return;
  if (permission === 'me:read') return;
  if (p.purpose === 'read_only' && READS.has(method)) return;
  throw new AppError(
    'forbidden',
    p.purpose === 'inference'
      ? 'This key calls models only (purpose "inference"): on /api/v1 it may only read GET /api/v1/me. Use a management key or sign in.'
      : 'This key is read-only (purpose "read_only"): it may read the management API but not change it.',
  );
}

/**
 * The management API: every route authenticates, then the one guard checks the action the
 * route declared against the permission matrix and the object it touches. A route that forgets
 * to declare an action (or a write without an object that forgets its target) fails start-up
 * instead of becoming reachable.
 */
export function managementApi(
  routes: ApiRoutes[],
  deps: { services: ApiServices; auth: Authenticator },
  declared: DeclaredRoute[],
) {
  const db = deps.services.ctx.db.kysely;
  return async (app: FastifyInstance) => {
    installSurfaceErrors(app, API_SURFACE);
    app.decorateRequest('parsedQuery', null);
    // Bodies are JSON only: Fastify's built-in text/plain parser would hand a string to the
    // body schema (a confusing 422); without it, any other type is the documented 415.
    app.removeContentTypeParser('text/plain');
    app.addHook('onRoute', (route) => {
      const permission = route.config?.permission;
      if (!permission)
        throw new Error(`management route ${route.method} ${route.url} declares no permission`);
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const needsTarget =
        !permission.startsWith('me:') &&
        !route.url.includes(':id') &&
        !methods.every((m) => READS.has(m));
      if (needsTarget && !route.config?.target) {
        throw new Error(
          `management route ${route.method} ${route.url} writes without declaring its target`,
        );
      }
      for (const method of methods)
        if (method !== 'HEAD') declared.push({ method, url: route.url, permission });
    });
    app.addHook('onRequest', async (request, reply) => {
      // Answers are per caller (the UI's come with its session cookie): no cache may keep them,
      // errors included. Set before authentication so a refusal carries it too.
      reply.header('cache-control', 'no-store');
      request.principal = await deps.auth.authenticateApi(request);
    });
    // After authentication, before the guard: a body that cannot be stored is a 400.
    app.addHook('preValidation', refuseNul);
    app.addHook('preHandler', async (request) => {
      // Unknown routes were authenticated above; they answer 404, not "forbidden".
      if (request.is404) return;
      const { permission, target } = request.routeOptions.config;
      const principal = request.principal;
      if (!principal || !permission) throw new AppError('forbidden');
      assertPurposeAllows(principal, permission, request.method);
      const subject = await loadSubject(db, principal);
      const t = target ? target(request) : defaultTarget(permission, request);
      const scope = await authorize(db, subject, permission, t);
      request.access = { subject, scope };
      // After the guard, like body validation: a missing permission (403) comes before a 422.
      request.parsedQuery = checkQuery(
        request.routeOptions.config.query ?? NO_QUERY,
        request.query,
      );
    });
    const routeDeps = {
      ...deps,
      write: <T>(request: FastifyRequest, fn: Parameters<typeof write<T>>[2]) =>
        write(deps.services.ctx, actor(request), fn),
    };
    for (const register of routes) register(app, routeDeps);
  };
}
