import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Target } from '../access/guard.js';
import type { Action, Scope } from '../access/matrix.js';
import type { Principal } from '../access/principal.js';
import type { Subject } from '../access/subject.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every management route declares its action; a route without one is refused at start-up. */
    permission?: Action;
    /** What the request acts on; derived from `:id` and the action when absent. */
    target?: (request: FastifyRequest) => Target;
    /**
     * The query parameters the route takes (a strict object). Absent: the route takes none.
     * Checked for every request before the guard; read the result with `queryOf`.
     */
    query?: z.ZodObject;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** Set by the guard: the caller and the scope their request was allowed under. */
    access: { subject: Subject; scope: Scope } | null;
    /** The query as parsed by the route's declared `query` schema. */
    parsedQuery: unknown;
  }
}
