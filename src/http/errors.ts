import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../errors/catalogue.js';

/**
 * An HTTP surface (`/api/v1`, `/v1`, `/scim/v2`, `/sso`) renders every error in its own wire
 * shape: its own failures, Fastify's (bad JSON, body too large, unknown route), and the
 * router's (a URL that does not decode, a path parameter too long), which happen before any
 * route — and so any plugin — is chosen.
 */
export interface Surface {
  name: string;
  /** URL prefixes this surface answers, for errors raised before a route matched. */
  prefixes: readonly string[];
  /** `request` lets a surface pick a shape per caller (the /sso pages: HTML for browsers). */
  render(
    err: AppError,
    request: FastifyRequest,
  ): { body: unknown; contentType: string; headers?: Record<string, string> };
}

/** Fastify's own failures in catalogue terms, never as a 500. */
export function fromFastify(err: FastifyError): AppError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_request', 'The JSON body is empty.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('invalid_request', 'The body is not valid JSON.');
    case 'FST_ERR_BAD_URL':
      return new AppError('invalid_request', 'The URL is not valid: a percent-encoding is broken.');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('uri_too_long', 'A path parameter is too long (at most 200 characters).');
  }
  // PostgreSQL refusing a NUL character (U+0000) that slipped past the surfaces' own check (an
  // IdP's claim, say): the input's fault, never a 500.
  if (err.code === '22021' || err.code === '22P05') {
    return new AppError('invalid_request', 'The request contains a NUL character (U+0000).');
  }
  if (err instanceof SyntaxError || err.statusCode === 400) {
    return new AppError('invalid_request', `The request is malformed: ${err.message}`);
  }
  if (err.statusCode === 413) return new AppError('payload_too_large');
  if (err.statusCode === 414) return new AppError('uri_too_long');
  if (err.statusCode === 415) return new AppError('unsupported_media_type');
  if (err.statusCode === 405) return new AppError('method_not_allowed');
  return new AppError('internal_error');
}

export function sendError(surface: Surface, reply: FastifyReply, err: AppError): FastifyReply {
  const { body, contentType, headers } = surface.render(err, reply.request);
  if (headers) void reply.headers(headers);
  if (err.status === 401) void reply.header('www-authenticate', 'Bearer');
  if (err.retryAfterSeconds !== undefined)
    void reply.header('retry-after', String(err.retryAfterSeconds));
  return reply.status(err.status).type(contentType).send(body);
}

function logged(request: FastifyRequest, raw: unknown, err: AppError): void {
  if (err.status >= 500) request.log.error({ err: raw }, 'request failed');
  else
    request.log.info(
      { code: err.code, status: err.status, reason: err.message },
      'request rejected',
    );
}

const notFound = (request: FastifyRequest) =>
  new AppError('route_not_found', `No route ${request.method} ${request.url.split('?')[0]}.`);

/**
 * Installs a surface's error and not-found handlers in the (encapsulated) plugin it is called
 * in, so they apply to that plugin's routes and prefix only.
 */
export function installSurfaceErrors(app: FastifyInstance, surface: Surface): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const err = isAppError(error) ? error : fromFastify(error);
    logged(request, error, err);
    return sendError(surface, reply, err);
  });
  app.setNotFoundHandler((request, reply) => sendError(surface, reply, notFound(request)));
}

/**
 * The surfaces by URL prefix, for what the router rejects before any plugin is chosen
 * (Fastify's `frameworkErrors` option) and for the root's own routes and 404s.
 */
export function surfaceRegistry(fallback: Surface) {
  const surfaces: Surface[] = [];
  const pick = (url: string): Surface =>
    surfaces.find((s) => s.prefixes.some((p) => url === p || url.startsWith(p))) ?? fallback;
  return {
    add(surface: Surface): void {
      surfaces.push(surface);
    },
    pick,
    /** For `Fastify({ frameworkErrors })`. */
    frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
      const err = fromFastify(error);
      logged(request, error, err);
      void sendError(pick(request.url), reply, err);
    },
    /** Root-level handlers: errors of routes outside every surface plugin, and unknown URLs. */
    install(app: FastifyInstance): void {
      app.setErrorHandler((error: FastifyError, request, reply) => {
        const err = isAppError(error) ? error : fromFastify(error);
        logged(request, error, err);
        return sendError(pick(request.url), reply, err);
      });
      app.setNotFoundHandler((request, reply) =>
        sendError(pick(request.url), reply, notFound(request)),
      );
    },
  };
}

export type SurfaceRegistry = ReturnType<typeof surfaceRegistry>;
