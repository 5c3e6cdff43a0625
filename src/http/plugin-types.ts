import type { Permission } from '../access/policy.js';
import type { Principal } from '../access/principal.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every management route declares what it needs; a route without one is refused at start-up. */
    permission?: Permission;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}
