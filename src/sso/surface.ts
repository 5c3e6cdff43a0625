import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../errors/catalogue.js';
import { API_ERRORS } from '../errors/render.js';
import { installSurfaceErrors, type Surface } from '../http/errors.js';
import { refuseNul } from '../http/nul.js';
import { parse } from '../http/validate.js';
import type { ConnectionLookup, RegisteredConnection } from '../provisioning/connections.js';
import { connectionForDomain, emailDomain } from './discover.js';
import { renderSignInErrorPage } from './error-page.js';
import { isEnabled, type SsoProtocol } from './protocol.js';
import { DEFAULT_RETURN_TO, safeReturnTo } from './return-to.js';
import { loginOptions, SSO_JSON, SSO_PAGE } from './route-config.js';
import type { SignInKit } from './sign-in.js';

function wantsPage(request: FastifyRequest): boolean {
  if (request.routeOptions?.config?.sso?.page) return true;
  const accept = request.headers.accept;
  return typeof accept === 'string' && /\btext\/html\b/i.test(accept);
}

/**
 * Errors under /sso: the sign-in error page for browsers (its reference is the request id, which
 * every log line of the request carries), the management API's JSON for everyone else.
 */
export const SSO_SURFACE: Surface = {
  name: 'sso',
  prefixes: ['/sso/'],
  render(err, request) {
    if (!wantsPage(request)) return API_ERRORS.render(err);
    const page = renderSignInErrorPage({ message: err.message, reference: request.id }, err.status);
    return {
      body: page.body,
      contentType: page.headers['content-type'] ?? 'text/html',
      headers: page.headers,
    };
  },
};

const discoverQuery = z.object({
  email: z.string().min(1, 'is required').max(320),
  return_to: z.string().max(2048).optional(),
});
export interface SsoSurfaceDeps {
  kit: SignInKit;
  connections: ConnectionLookup;
  protocols: readonly SsoProtocol[];
}

/**
 * The `/sso` surface: the public list of sign-in methods, home-realm discovery, the login route
 * every protocol shares, and each protocol's own routes. A Fastify plugin, registered with the
 * prefix `/sso`.
 */
export function ssoSurface(deps: SsoSurfaceDeps) {
  const { kit } = deps;
  const usable = async (): Promise<RegisteredConnection[]> =>
    (await deps.connections.list()).filter(
      (c) => isEnabled(c.config) && deps.protocols.some((p) => p.type === c.config.type),
    );

  return async (app: FastifyInstance) => {
    installSurfaceErrors(app, SSO_SURFACE);
    // A NUL in a callback's query or form would reach the database only to fail there.
    app.addHook('preValidation', refuseNul);
    app.addHook('onRoute', (route) => {
      if (!route.config?.sso?.authentication) {
        throw new Error(`sso route ${route.method} ${route.url} declares no authentication`);
      }
    });

    /** For the sign-in page: one button per connection. */
    app.get('/connections', { config: SSO_JSON }, async (_req, reply) => {
      const list = await usable();
      return reply.header('cache-control', 'no-store').send({
        connections: list.map((c) => ({
          id: c.config.id,
          display_name: c.config.display_name ?? c.config.id,
          type: c.config.type,
          login_url: kit.urls.loginPath(c.config.id),
        })),
      });
    });

    app.get('/discover', { config: SSO_JSON }, async (req, reply) => {
      const q = parse(discoverQuery, req.query, 'query');
      const domain = emailDomain(q.email);
      if (!domain) {
        throw new AppError('validation_failed', 'email: must be an email address.', [
          { path: 'email', message: 'must be an email address' },
        ]);
      }
      const c = connectionForDomain(await usable(), domain);
      if (!c) {
        throw new AppError(
          'not_found',
          `No single sign-on is set up for ${domain}. Sign in another way, or ask your administrator.`,
        );
      }
      const params = new URLSearchParams({ login_hint: q.email.trim() });
      const returnTo = safeReturnTo(q.return_to);
      if (returnTo !== DEFAULT_RETURN_TO) params.set('return_to', returnTo);
      return reply.header('cache-control', 'no-store').send({
        connection: c.config.id,
        display_name: c.config.display_name ?? c.config.id,
        login_url: `${kit.urls.loginPath(c.config.id)}?${params.toString()}`,
      });
    });

    app.get<{ Params: { id: string } }>('/:id/login', { config: SSO_PAGE }, async (req, reply) => {
      const id = req.params.id;
      try {
        const q = loginOptions(req);
        const c = await kit.connection(id);
        return await kit.start(reply, c, {
          returnTo: safeReturnTo(q.return_to),
          loginHint: q.login_hint ?? null,
          prompt: q.prompt ?? null,
          route: 'own',
        });
      } catch (e) {
        return kit.fail(req, reply, id, e);
      }
    });

    for (const p of deps.protocols) p.routes(app, kit);
  };
}
