import type { ServerResponse } from 'node:http';
import type { Principal } from '../access/principal.js';

/**
 * One gateway request as the handler sees it, whichever front served it: the lean `node:http`
 * path (production traffic) or Fastify (`inject`, and requests the lean path passes on).
 */
export interface Exchange {
  readonly id: string;
  readonly res: ServerResponse;
  readonly principal: Principal | null;
  readonly body: unknown;
  /** A complete JSON answer. */
  json(status: number, body: string): Promise<void> | void;
  /** From here on the handler writes `res` itself (event streams, dropped sockets). */
  takeOver(): void;
}

/** Responses whose outcome was already logged and counted (the error path must not repeat it). */
export const settled = new WeakSet<ServerResponse>();
