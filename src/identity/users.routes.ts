import { z } from 'zod';
import { type ApiRoutes, actor } from '../http/api.js';
import { budgetFields, globalRole, id, teamRole } from '../http/fields.js';
import { boolQuery, listQuery } from '../http/query.js';
import { parse } from '../http/validate.js';
import { write } from './context.js';

const email = z.email({ error: 'must be an email address' }).max(320);
const profile = {
  email: email.optional(),
  user_name: z.string().trim().min(1).max(320).optional(),
  display_name: z.string().max(200).nullable().optional(),
  given_name: z.string().max(200).nullable().optional(),
  family_name: z.string().max(200).nullable().optional(),
  role: globalRole.optional(),
  active: z.boolean().optional(),
  ...budgetFields,
};
const createBody = z.strictObject({
  ...profile,
  email,
  /** Team memberships to create with the user, all or nothing. */
  teams: z
    .array(z.strictObject({ team_id: id, role: teamRole.default('member') }))
    .max(1000)
    .optional(),
});
const updateBody = z.strictObject({ ...profile, email: email.nullable().optional() });
const listParams = z.strictObject({
  ...listQuery,
  email: z.string().optional(),
  role: globalRole.optional(),
  active: boolQuery.optional(),
  team_id: z.string().optional(),
});
const idParam = z.strictObject({ id });

export const userRoutes: ApiRoutes = (app, { services }) => {
  app.get('/users', { config: { permission: 'users:read' } }, async (req) =>
    services.users.list(parse(listParams, req.query, 'query')),
  );

  app.post('/users', { config: { permission: 'users:write' } }, async (req, reply) => {
    const { teams, ...input } = parse(createBody, req.body);
    const who = actor(req);
    const user = await write(services.ctx, who, async (s) => {
      const u = await services.users.create(input, who, s);
      for (const t of teams ?? []) {
        await services.memberships.addTeamMember(t.team_id, u.id, t.role, 'manual', who, s);
      }
      return u;
    });
    return reply.status(201).send(user);
  });

  app.get('/users/:id', { config: { permission: 'users:read' } }, async (req) => {
    const { id } = parse(idParam, req.params, 'path');
    const user = await services.users.get(id);
    return { ...user, teams: await services.memberships.listUserTeams(id) };
  });

  app.patch('/users/:id', { config: { permission: 'users:write' } }, async (req) => {
    const { id } = parse(idParam, req.params, 'path');
    return services.users.update(id, parse(updateBody, req.body), actor(req));
  });

  app.delete('/users/:id', { config: { permission: 'users:write' } }, async (req, reply) => {
    const { id } = parse(idParam, req.params, 'path');
    await services.users.remove(id, actor(req));
    return reply.status(204).send();
  });
};
