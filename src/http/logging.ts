import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redactUrl } from './query-credentials.js';

const SECRET_FIELDS = ['password', 'key', 'secret', 'token', 'client_secret'];
/**
 * Where secrets sit deeper inside a traced body: SSO settings (`microsoft_graph.client_secret`),
 * SCIM PATCH operations (`Operations[0].value.password`), lists of objects. Scoped to `body` so
 * ordinary log lines do not pay for the wildcard walk.
 */
const NESTED_IN_BODY = ['body.*', 'body.*.*', 'body.*.*.*'];

/**
 * Paths the logger censors in every line: credential headers (logged at debug and trace),
 * cookies both ways, and secret fields of logged bodies (trace) or objects.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["api-key"]',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.key',
  '*.secret',
  '*.token',
  '*.client_secret',
  ...NESTED_IN_BODY.flatMap((at) => SECRET_FIELDS.map((f) => `${at}.${f}`)),
];

/** Levels at which a request line carries its headers (and, at trace, its body). */
const VERBOSE = new Set(['debug', 'trace']);

/**
 * Fastify's request and response serializers, with the URL's credential parameters censored
 * (a path-based redaction cannot reach inside a string) and headers added when debugging.
 */
export function logSerializers(level: string) {
  const verbose = VERBOSE.has(level);
  return {
    req(req: FastifyRequest) {
      return {
        method: req.method,
        url: redactUrl(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
        ...(verbose ? { headers: req.headers } : {}),
      };
    },
    // Fastify may hand a partial reply here (a response that failed early): only statusCode is sure.
    res(reply: Partial<FastifyReply> & Pick<FastifyReply, 'statusCode'>) {
      return {
        statusCode: reply.statusCode,
        ...(verbose && reply.getHeaders ? { headers: reply.getHeaders() } : {}),
      };
    },
  };
}

/** Fastify's logger options for Gatehouse: level, redaction, serializers, destination. */
export function loggerOptions(level: string, stream?: { write(line: string): void }) {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: logSerializers(level),
    ...(stream ? { stream } : {}),
  };
}

/** At trace, each parsed request body is logged (its secret fields censored by REDACT_PATHS). */
export function traceBodies(app: FastifyInstance, level: string): void {
  if (level !== 'trace') return;
  app.addHook('preHandler', async (request) => {
    if (request.body !== undefined) request.log.trace({ body: request.body }, 'request body');
  });
}
