import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { visibility } from '../access/guard.js';
import type { Principal } from '../access/principal.js';
import { type ApiRoutes, access, actor } from '../http/api.js';
import { duration, id, isoTime, limit, models, money } from '../http/fields.js';
import { listQuery } from '../http/query.js';
import { parse } from '../http/validate.js';

const fields = {
  name: z.string().trim().min(1).max(200).nullable().optional(),
  models: models.optional(),
  max_budget: money.nullable().optional(),
  budget_duration: duration.nullable().optional(),
  rpm_limit: limit.nullable().optional(),
  tpm_limit: limit.nullable().optional(),
  expires_at: isoTime.nullable().optional(),
};
const createBody = z.strictObject({
  user_id: id.nullable().optional(),
  team_id: id.nullable().optional(),
  ...fields,
});
const updateBody = z.strictObject({ ...fields, blocked: z.boolean().optional() });
/** What a key's owner may change on their own key: nothing that loosens a limit or a block. */
const ownUpdateBody = z.strictObject({ name: fields.name, blocked: z.literal(true).optional() });
const listParams = z.strictObject({
  ...listQuery,
  user_id: z.string().optional(),
  team_id: z.string().optional(),
});
const idParam = z.strictObject({ id });

/**
 * A key request without `user_id` is for the caller's own key. Only the master key, or an
 * explicit `"user_id": null`, makes a key that belongs to nobody.
 */
function keyOwner(principal: Principal | null, body: unknown): string | null {
  const given =
    body && typeof body === 'object' ? (body as Record<string, unknown>).user_id : undefined;
  if (typeof given === 'string') return given;
  if (given === null) return null;
  return principal?.kind === 'master' ? null : (principal?.userId ?? null);
}

const newKey = (req: FastifyRequest) => {
  const team = (req.body as Record<string, unknown> | null)?.team_id;
  return {
    kind: 'new_key' as const,
    userId: keyOwner(req.principal, req.body),
    teamId: typeof team === 'string' ? team : null,
  };
};

export const keyRoutes: ApiRoutes = (app, { services }) => {
  app.get('/keys', { config: { permission: 'keys:read' } }, async (req) =>
    services.keys.list(
      parse(listParams, req.query, 'query'),
      visibility(access(req).subject, 'keys:read'),
    ),
  );

  /** The only response that ever contains the secret (`key`). */
  app.post(
    '/keys',
    { config: { permission: 'keys:create', target: newKey } },
    async (req, reply) => {
      const body = parse(createBody, req.body ?? {});
      const { scope, subject } = access(req);
      const userId = keyOwner(req.principal, body);
      if (scope === 'own' && subject.userId) {
        // Self-service: a personal key reaches only models the person's teams (or own grant) allow.
        body.models = await services.keys.selfServiceModels(
          subject.userId,
          body.team_id ?? null,
          body.models,
        );
      }
      const created = await services.keys.create({ ...body, user_id: userId }, actor(req));
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.get('/keys/:id', { config: { permission: 'keys:read' } }, async (req) =>
    services.keys.get(parse(idParam, req.params, 'path').id),
  );

  app.patch('/keys/:id', { config: { permission: 'keys:update' } }, async (req) => {
    const { id } = parse(idParam, req.params, 'path');
    if (access(req).scope === 'own') {
      return services.keys.update(id, parse(ownUpdateBody, req.body), actor(req), {
        byOwner: true,
      });
    }
    return services.keys.update(id, parse(updateBody, req.body), actor(req));
  });

  app.delete('/keys/:id', { config: { permission: 'keys:delete' } }, async (req, reply) => {
    const { id } = parse(idParam, req.params, 'path');
    await services.keys.remove(id, actor(req));
    return reply.status(204).send();
  });
};
