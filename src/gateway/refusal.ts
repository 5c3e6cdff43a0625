import type { FastifyError } from 'fastify';
import { AppError } from '../errors/catalogue.js';
import { renderOpenAiError } from '../errors/render.js';
import { retryAfterOf } from './errors.js';
import { type Exchange, settled } from './exchange.js';
import type { GatewayDeps } from './handler.js';

/** Fastify's own failures (parsing, size, content type) as catalogue errors. */
export function fromFastify(err: FastifyError): AppError {
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

export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The OpenAI-shaped answer to a failed request. A request refused before it reached a provider
 * gets its one log line and metric here; one that was settled already has both.
 */
export function refusal(
  deps: Pick<GatewayDeps, 'metrics' | 'log'>,
  ex: Pick<Exchange, 'id' | 'res' | 'principal' | 'body'>,
  err: AppError,
): ErrorAnswer {
  const headers: Record<string, string> = {};
  const retryAfter = retryAfterOf(err);
  if (retryAfter !== null) headers['retry-after'] = String(retryAfter);
  if (err.status === 401) headers['www-authenticate'] = 'Bearer';
  const answer = { status: err.status, headers, body: JSON.stringify(renderOpenAiError(err)) };
  if (settled.has(ex.res)) return answer;
  const model = (ex.body as { model?: unknown } | undefined)?.model;
  deps.metrics.request(typeof model === 'string' ? model : 'none', 'none', 'refused', 0, 0, 0, 0);
  deps.log.info(
    {
      reqId: ex.id,
      key: ex.principal?.keyId ?? (ex.principal?.kind === 'master' ? 'master' : null),
      model: typeof model === 'string' ? model : undefined,
      status: err.status,
      outcome: 'refused',
      code: err.code,
    },
    'gateway request',
  );
  return answer;
}
