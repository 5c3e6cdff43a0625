import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/connect.js';

/** LiteLLM's health route names, so existing probes keep working. */
export function installHealth(app: FastifyInstance, db: Db): void {
  app.get('/health/liveliness', async () => ({ status: 'ok' }));
  app.get('/health/readiness', async (request, reply) => {
    try {
      await sql`select 1`.execute(db.kysely);
      return { status: 'ok', db: 'connected' };
    } catch (err) {
      request.log.warn({ err }, 'readiness: database unreachable');
      return reply.status(503).send({ status: 'unavailable', db: 'unreachable' });
    }
  });
}
