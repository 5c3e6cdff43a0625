import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../access/authenticate.js';
import { AppError, isAppError } from '../errors/catalogue.js';
import { fromFastify } from '../http/errors.js';
import type { Exchange } from './exchange.js';
import { type GatewayDeps, handle } from './handler.js';
import type { GatewayMetrics } from './metrics.js';
import { listModels } from './models.js';
import { refusal } from './refusal.js';

/** Chat bodies carry whole conversations (and images as data URLs). */
export const GATEWAY_BODY_LIMIT = 16 * 1024 * 1024;

export interface GatewayPluginDeps extends GatewayDeps {
  auth: Authenticator;
  metrics: GatewayMetrics;
  startedAt: number;
}

function exchange(request: FastifyRequest, reply: FastifyReply): Exchange {
  return {
    id: request.id,
    res: reply.raw,
    principal: request.principal,
    body: request.body,
    json: async (status, body) => {
      await reply.code(status).type('application/json').send(body);
    },
    takeOver: () => reply.hijack(),
  };
}

function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  err: AppError,
  deps: GatewayPluginDeps,
) {
  const a = refusal(deps, exchange(request, reply), err);
  return reply
    .headers(a.headers)
    .status(a.status)
    .type('application/json; charset=utf-8')
    .send(a.body);
}

/**
 * The OpenAI-compatible surface, encapsulated: its own authentication (API keys from memory),
 * its own error shape for everything including Fastify's own errors and unknown routes (after
 * authentication, so an unknown key gets 401 on every path). Registered under `/v1` and at the
 * root for clients configured without the prefix. Production traffic to the two POST routes
 * takes the lean path (`front.ts`) with the same handler; this plugin serves the rest.
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
    app.post('/chat/completions', route, (req, reply) =>
      handle('chat', exchange(req, reply), deps),
    );
    app.post('/embeddings', route, (req, reply) =>
      handle('embeddings', exchange(req, reply), deps),
    );
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
