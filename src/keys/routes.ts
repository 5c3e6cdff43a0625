import { z } from 'zod';
import { type ApiRoutes, actor } from '../http/api.js';
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
const listParams = z.strictObject({
  ...listQuery,
  user_id: z.string().optional(),
  team_id: z.string().optional(),
});
const idParam = z.strictObject({ id });

export const keyRoutes: ApiRoutes = (app, { services }) => {
  app.get('/keys', { config: { permission: 'keys:read' } }, async (req) =>
    services.keys.list(parse(listParams, req.query, 'query')),
  );

  /** The only response that ever contains the secret (`key`). */
  app.post('/keys', { config: { permission: 'keys:write' } }, async (req, reply) => {
    const created = await services.keys.create(parse(createBody, req.body ?? {}), actor(req));
    return reply.status(201).header('cache-control', 'no-store').send(created);
  });

  app.get('/keys/:id', { config: { permission: 'keys:read' } }, async (req) =>
    services.keys.get(parse(idParam, req.params, 'path').id),
  );

  app.patch('/keys/:id', { config: { permission: 'keys:write' } }, async (req) => {
    const { id } = parse(idParam, req.params, 'path');
    return services.keys.update(id, parse(updateBody, req.body), actor(req));
  });

  app.delete('/keys/:id', { config: { permission: 'keys:write' } }, async (req, reply) => {
    await services.keys.remove(parse(idParam, req.params, 'path').id, actor(req));
    return reply.status(204).send();
  });
};
