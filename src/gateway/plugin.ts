import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../access/authenticate.js';
import { AppError, isAppError } from '../errors/catalogue.js';
import { renderOpenAiError } from '../errors/render.js';
import { retryAfterOf } from './errors.js';
import { type GatewayDeps, handle, settled } from './handler.js';
import type { GatewayMetrics } from './metrics.js';
import { listModels } from './models.js';

/** Chat bodies carry whole conversations (and images as data URLs). */
export const GATEWAY_BODY_LIMIT = 16 * 1024 * 1024;

export interface GatewayPluginDeps extends GatewayDeps {
  auth: Authenticator;
  metrics: GatewayMetrics;
  startedAt: number;
}

/** Fastify's own failures (parsing, size, content type) as catalogue errors. */
function fromFastify(err: FastifyError): AppError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_request', 'The JSON body is empty.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('invalid_request', 'The body is not valid JSON.');
  }
  if (err instanceof SyntaxError || err.statusCode === 400) {
    return new AppError('invalid_request', `The request is malformed: ${err.message}`);
  }
  if (err.statusCode === 413) return new AppError('payload_too_large');
  if (err.statusCode === 415) return new AppError('unsupported_media_type');
  return new AppError('internal_error');
}

function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  err: AppError,
  deps: GatewayPluginDeps,
) {
  const retryAfter = retryAfterOf(err);
  if (retryAfter !== null) void reply.header('retry-after', String(retryAfter));
  if (err.status === 401) void reply.header('www-authenticate', 'Bearer');
  const send = () =>
    reply.status(err.status).type('application/json; charset=utf-8').send(renderOpenAiError(err));
  if (settled.has(request)) return send();
  // Refused before reaching a provider: the request's one log line and metric are here.
  const model = (request.body as { model?: unknown } | undefined)?.model;
  deps.metrics.request(typeof model === 'string' ? model : 'none', 'none', 'refused', 0, 0, 0, 0);
  deps.log.info(
    {
      reqId: request.id,
      key: request.principal?.keyId ?? (request.principal?.kind === 'master' ? 'master' : null),
      model: typeof model === 'string' ? model : undefined,
      status: err.status,
      outcome: 'refused',
      code: err.code,
    },
    'gateway request',
  );
  return send();
}

/**
 * The OpenAI-compatible surface, encapsulated: its own authentication (API keys from memory),
 * its own error shape for everything including Fastify's own errors and unknown routes (after
 * authentication, so an unknown key gets 401 on every path). Registered under `/v1` and at the
 * root for clients configured without the prefix.
 */
export function gatewayPlugin(deps: GatewayPluginDeps, opts: { notFound: boolean }) {
  return async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request, reply) => {
      void reply.header('x-request-id', request.id);
      request.principal = deps.auth.authenticateKey(request);
    });
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const err = isAppError(error) ? error : fromFastify(error);
      if (err.status >= 500 && !err.code.startsWith('upstream_')) {
        request.log.error({ err: error }, 'gateway request failed');
      }
      return sendError(request, reply, err, deps);
    });
    if (opts.notFound) {
      app.setNotFoundHandler((request, reply) =>
        sendError(
          request,
          reply,
          new AppError(
            'route_not_found',
            `No route ${request.method} ${request.url.split('?')[0]}.`,
          ),
          deps,
        ),
      );
    }
    // The gateway writes its own one line per request; Fastify's two would double it.
    const route = { bodyLimit: GATEWAY_BODY_LIMIT, logLevel: 'warn' as const };
    app.post('/chat/completions', route, (req, reply) => handle('chat', req, reply, deps));
    app.post('/embeddings', route, (req, reply) => handle('embeddings', req, reply, deps));
    app.get('/models', { logLevel: 'warn' }, async (req) => {
      const list = listModels(
        req.principal,
        deps.keys,
        deps.table.names(),
        deps.governance,
        deps.startedAt,
      );
      deps.log.info(
        {
          reqId: req.id,
          key: req.principal?.keyId ?? 'master',
          status: 200,
          models: list.data.length,
        },
        'gateway models',
      );
      return list;
    });
  };
}
