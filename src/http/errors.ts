import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../errors/catalogue.js';
import { renderApiError, renderOpenAiError } from '../errors/render.js';

const OPENAI_PREFIXES = ['/v1/', '/chat/', '/embeddings', '/models', '/completions'];

function isOpenAiSurface(url: string): boolean {
  return OPENAI_PREFIXES.some((p) => url.startsWith(p));
}

/** Fastify's own failures (parsing, size, content type) in catalogue terms, never as a 500. */
function fromFastify(err: FastifyError): AppError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large');
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
  if (err.statusCode === 405) return new AppError('method_not_allowed');
  return new AppError('internal_error');
}

export function send(request: FastifyRequest, reply: FastifyReply, err: AppError) {
  const body = isOpenAiSurface(request.url) ? renderOpenAiError(err) : renderApiError(err);
  if (err.code === 'unauthenticated' || err.status === 401) {
    void reply.header('www-authenticate', 'Bearer');
  }
  return reply.status(err.status).type('application/json; charset=utf-8').send(body);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const err = isAppError(error) ? error : fromFastify(error);
    if (err.status >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.info(
        { code: err.code, status: err.status, reason: err.message },
        'request rejected',
      );
    }
    return send(request, reply, err);
  });
  app.setNotFoundHandler((request, reply) =>
    send(
      request,
      reply,
      new AppError('route_not_found', `No route ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );
}
