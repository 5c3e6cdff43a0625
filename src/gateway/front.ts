import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBodyParser, FastifyError } from 'fastify';
import type { Principal } from '../access/principal.js';
import { AppError, isAppError } from '../errors/catalogue.js';
import { fromFastify } from '../http/errors.js';
import type { FrontHandler } from '../http/front-door.js';
import { requestId } from '../http/request-id.js';
import type { Exchange } from './exchange.js';
import { handle } from './handler.js';
import { GATEWAY_BODY_LIMIT, type GatewayPluginDeps } from './plugin.js';
import type { Operation } from './providers/types.js';
import { refusal } from './refusal.js';

export interface FrontDeps extends GatewayPluginDeps {
  /** Fastify's own JSON body parser, so both paths accept and refuse the same bodies. */
  parseJson: FastifyBodyParser<string>;
  /** The app-wide HTTP request counter and histogram, as Fastify's hook would feed them. */
  observeHttp: (route: string, status: number, seconds: number) => void;
  /** True once the app is closing: Fastify then answers 503 itself. */
  closing: () => boolean;
  /** A response ended while closing: its keep-alive connection should not hold close() open. */
  endedWhileClosing: () => void;
}

const ROUTES = new Map<string, Operation>([
  ['/v1/chat/completions', 'chat'],
  ['/chat/completions', 'chat'],
  ['/v1/embeddings', 'embeddings'],
  ['/embeddings', 'embeddings'],
]);

const JSON_TYPE = /^application\/json\s*(?:;|$)/i;

/**
 * The gateway's two POST routes served straight from `node:http`, with the same handler,
 * errors, log line and metrics as the Fastify routes. Only the plain case is taken: an exact
 * path (no query string), a JSON content type, the app not closing, logging not verbose.
 * Everything else goes to Fastify, which answers it as before (415s, 404s, query-string
 * credentials, 503 while closing, request tracing at debug and trace).
 */
export function gatewayFront(deps: FrontDeps): FrontHandler {
  const verbose = deps.log.level === 'debug' || deps.log.level === 'trace';
  return (req, res) => {
    if (req.method !== 'POST' || verbose) return false;
    const op = ROUTES.get(req.url ?? '');
    if (op === undefined || deps.closing()) return false;
    const type = req.headers['content-type'];
    if (typeof type !== 'string' || !JSON_TYPE.test(type)) return false;
    void serve(op, req, res, deps);
    return true;
  };
}

function writeJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const takeOver = () => {};

/** The client went away while sending its body: nobody to answer. */
const CLIENT_GONE = Symbol('client gone');

const tooLarge = () => new AppError('payload_too_large', 'The request body is too large.');

/** The body as text, refused once it passes the gateway's limit (declared or counted). */
function readBody(req: IncomingMessage): Promise<string> {
  if (Number(req.headers['content-length']) > GATEWAY_BODY_LIMIT) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    function onData(chunk: Buffer) {
      size += chunk.length;
      if (size > GATEWAY_BODY_LIMIT) {
        stop();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    }
    function onEnd() {
      stop();
      const only = chunks.length === 1 ? chunks[0] : undefined;
      resolve((only ?? Buffer.concat(chunks, size)).toString('utf8'));
    }
    function onGone() {
      stop();
      reject(CLIENT_GONE);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

function parse(text: string, deps: FrontDeps): unknown {
  let out: { err: FastifyError | null; value: unknown } = { err: null, value: undefined };
  // Fastify's default JSON parser never looks at the request it is given.
  void deps.parseJson(undefined as never, text, (err, value) => {
    out = { err: err as FastifyError | null, value };
  });
  if (out.err) throw out.err;
  return out.value;
}

async function serve(
  op: Operation,
  req: IncomingMessage,
  res: ServerResponse,
  deps: FrontDeps,
): Promise<void> {
  const started = performance.now();
  const id = requestId(req.headers);
  const route = req.url as string;
  res.setHeader('x-request-id', id);
  res.once('finish', () => {
    deps.observeHttp(route, res.statusCode, (performance.now() - started) / 1000);
    if (deps.closing()) deps.endedWhileClosing();
  });
  let principal: Principal | null = null;
  let body: unknown;
  try {
    principal = deps.auth.authenticateKey({ query: {}, headers: req.headers });
    body = parse(await readBody(req), deps);
    const ex: Exchange = {
      id,
      res,
      principal,
      body,
      json: (status, text) => writeJson(res, status, text),
      takeOver,
    };
    await handle(op, ex, deps);
  } catch (error) {
    if (error === CLIENT_GONE) return;
    const err = isAppError(error) ? error : fromFastify(error as FastifyError);
    if (err.status >= 500 && !err.code.startsWith('upstream_')) {
      deps.log.error({ reqId: id, err: error }, 'gateway request failed');
    }
    if (res.headersSent || res.destroyed) return;
    const a = refusal(deps, { id, res, principal, body }, err);
    writeJson(res, a.status, a.body, a.headers);
  }
}
