import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../access/authenticate.js';
import { authorize, type Target } from '../access/guard.js';
import type { Action, Scope } from '../access/matrix.js';
import { actorOf } from '../access/principal.js';
import { loadSubject, type Subject } from '../access/subject.js';
import { AppError } from '../errors/catalogue.js';
import type { Actor } from '../identity/context.js';
import type { Services } from '../identity/services.js';

export interface ApiDeps {
  services: Services;
  auth: Authenticator;
}

export type ApiRoutes = (app: FastifyInstance, deps: ApiDeps) => void;

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

/**
 * The management API: every route authenticates, then the one guard checks the action the
 * route declared against the permission matrix and the object it touches. A route that forgets
 * to declare an action (or a write without an object that forgets its target) fails start-up
 * instead of becoming reachable.
 */
export function managementApi(routes: ApiRoutes[], deps: ApiDeps, declared: DeclaredRoute[]) {
  return async (app: FastifyInstance) => {
    app.addHook('onRoute', (route) => {
      const permission = route.config?.permission;
      if (!permission)
        throw new Error(`management route ${route.method} ${route.url} declares no permission`);
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const needsTarget =
        !permission.startsWith('me:') &&
        !route.url.includes(':id') &&
        !methods.every((m) => m === 'GET' || m === 'HEAD');
      if (needsTarget && !route.config?.target) {
        throw new Error(
          `management route ${route.method} ${route.url} writes without declaring its target`,
        );
      }
      for (const method of methods)
        if (method !== 'HEAD') declared.push({ method, url: route.url, permission });
    });
    app.addHook('onRequest', async (request) => {
      request.principal = await deps.auth.authenticateApi(request);
    });
    app.addHook('preHandler', async (request) => {
      const { permission, target } = request.routeOptions.config;
      const principal = request.principal;
      if (!principal || !permission) throw new AppError('forbidden');
      const subject = await loadSubject(deps.services.ctx.db.kysely, principal);
      const t = target ? target(request) : defaultTarget(permission, request);
      const scope = await authorize(deps.services.ctx.db.kysely, subject, permission, t);
      request.access = { subject, scope };
    });
    for (const register of routes) register(app, deps);
  };
}
