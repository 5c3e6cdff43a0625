import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../access/authenticate.js';
import { isAllowed } from '../access/policy.js';
import { actorOf } from '../access/principal.js';
import { AppError } from '../errors/catalogue.js';
import type { Actor } from '../identity/context.js';
import type { Services } from '../identity/services.js';

export interface ApiDeps {
  services: Services;
  auth: Authenticator;
}

export type ApiRoutes = (app: FastifyInstance, deps: ApiDeps) => void;

export function actor(request: FastifyRequest): Actor {
  if (!request.principal) throw new AppError('unauthenticated');
  return actorOf(request.principal, request.ip, request.id);
}

/**
 * The management API: every route authenticates, then the permission it declared is checked.
 * A route that forgets to declare one fails start-up instead of becoming reachable by anyone.
 */
export function managementApi(routes: ApiRoutes[], deps: ApiDeps) {
  return async (app: FastifyInstance) => {
    app.addHook('onRoute', (route) => {
      if (!route.config?.permission) {
        throw new Error(`management route ${route.method} ${route.url} declares no permission`);
      }
    });
    app.addHook('onRequest', async (request) => {
      request.principal = deps.auth.authenticate(request);
    });
    app.addHook('preHandler', async (request) => {
      const permission = request.routeOptions.config.permission;
      const principal = request.principal;
      if (!principal || !permission || !isAllowed(principal, permission)) {
        throw new AppError('forbidden', `Your role may not ${permission ?? 'use this route'}.`);
      }
    });
    for (const register of routes) register(app, deps);
  };
}
