import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyServerOptions } from 'fastify';

/** Takes a request (returns true) or leaves it to Fastify (returns false). */
export type FrontHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The HTTP server in front of Fastify: its 'request' listener offers each request to the lean
 * handler installed with `use` (the gateway's hot path, which cannot afford Fastify's per-request
 * objects, hooks and logger child) and hands everything else to Fastify. Shutdown, timeouts and
 * connection handling stay Fastify's, on this one server.
 */
export function frontDoor() {
  let front: FrontHandler | null = null;
  return {
    use(handler: FrontHandler): void {
      front = handler;
    },
    serverFactory(
      fastify: (req: IncomingMessage, res: ServerResponse) => void,
      opts: FastifyServerOptions,
    ): Server {
      const server = createServer((req, res) => {
        if (front?.(req, res)) return;
        fastify(req, res);
      });
      // What Fastify sets on the server it would have created itself.
      server.keepAliveTimeout = opts.keepAliveTimeout ?? 72_000;
      server.requestTimeout = opts.requestTimeout ?? 0;
      server.setTimeout(opts.connectionTimeout ?? 0);
      if (opts.maxRequestsPerSocket) server.maxRequestsPerSocket = opts.maxRequestsPerSocket;
      return server;
    },
  };
}
