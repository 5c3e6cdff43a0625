import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  assertMayChangeMembership,
  assertMayManagePerson,
  authorize,
  visibility,
} from '../access/guard.js';
import { AppError, isAppError } from '../errors/catalogue.js';
import { budgetFields, id, name, source, teamRole } from '../http/fields.js';
import { listQuery } from '../http/query.js';
import { parse } from '../http/validate.js';
import type { ApiRoutes } from './deps.js';
import { access, queryOf } from './surface.js';

const createBody = z.strictObject({
  id: z
    .string()
    .regex(/^[\w.:-]{1,128}$/, 'letters, digits, "_", ".", ":" or "-" (at most 128)')
    .optional(),
  name,
  organization_id: id.nullable().optional(),
  external_id: id.nullable().optional(),
  blocked: z.boolean().optional(),
  ...budgetFields,
  /** Members to add with the team, all or nothing. */
  members: z
    .array(z.strictObject({ user_id: id, role: teamRole.default('member') }))
    .max(10000)
    .optional(),
});
const updateBody = z.strictObject({
  name: name.optional(),
  organization_id: id.nullable().optional(),
  external_id: id.nullable().optional(),
  blocked: z.boolean().optional(),
  ...budgetFields,
});
const listParams = z.strictObject({
  ...listQuery,
  name: z.string().optional(),
  organization_id: z.string().optional(),
  external_id: z.string().optional(),
});
const idParam = z.strictObject({ id });
const memberParam = z.strictObject({ id, userId: id });
const addMemberBody = z.strictObject({ user_id: id, role: teamRole.default('member') });
const memberRoleBody = z.strictObject({ role: teamRole });
const sourceQuery = z.strictObject({ source: source.default('manual') });

/** A refused move says it is about moving, not about creating (what it is checked as). */
const moveRefused = (org: string | null | undefined) =>
  new AppError(
    'forbidden',
    org
      ? `You may move a team only into an organization you administer; you do not administer '${org}'.`
      : 'Only proxy admins may take a team out of every organization (organization_id: null).',
  );

const newTeam = (req: FastifyRequest) => {
  const org = (req.body as Record<string, unknown> | null)?.organization_id;
  return { kind: 'new_team' as const, organizationId: typeof org === 'string' ? org : null };
};

export const teamRoutes: ApiRoutes = (app, { services, write }) => {
  const db = services.ctx.db.kysely;

  app.get('/teams', { config: { permission: 'teams:read', query: listParams } }, async (req) =>
    services.teams.list(queryOf(req, listParams), visibility(access(req).subject, 'teams:read')),
  );

  app.post(
    '/teams',
    { config: { permission: 'teams:create', target: newTeam } },
    async (req, reply) => {
      const { members, ...input } = parse(createBody, req.body);
      const { subject, scope } = access(req);
      for (const m of members ?? []) await assertMayManagePerson(db, subject, scope, m.user_id);
      const team = await write(req, async (s) => {
        const t = await services.teams.create(s, input);
        for (const m of members ?? []) {
          await services.memberships.addTeamMember(s, t.id, m.user_id, m.role, {
            source: 'manual',
          });
        }
        return t;
      });
      return reply.status(201).send(team);
    },
  );

  app.get('/teams/:id', { config: { permission: 'teams:read' } }, async (req) => {
    const { id } = parse(idParam, req.params, 'path');
    return services.teams.get(id);
  });

  app.patch('/teams/:id', { config: { permission: 'teams:update' } }, async (req) => {
    const { id } = parse(idParam, req.params, 'path');
    const patch = parse(updateBody, req.body);
    // Moving a team into an organization (or out of every one: null) needs the right to create
    // teams there; only proxy admins may create teams outside any organization.
    if (patch.organization_id !== undefined) {
      await authorize(db, access(req).subject, 'teams:create', {
        kind: 'new_team',
        organizationId: patch.organization_id,
      }).catch((e: unknown) => {
        throw isAppError(e) && e.code === 'forbidden' ? moveRefused(patch.organization_id) : e;
      });
    }
    return write(req, (s) => services.teams.update(s, id, patch));
  });

  app.delete('/teams/:id', { config: { permission: 'teams:delete' } }, async (req, reply) => {
    const { id } = parse(idParam, req.params, 'path');
    await write(req, (s) => services.teams.remove(s, id));
    return reply.status(204).send();
  });

  app.get('/teams/:id/members', { config: { permission: 'team_members:read' } }, async (req) => {
    const { id } = parse(idParam, req.params, 'path');
    return { data: await services.memberships.listTeamMembers(id) };
  });

  app.post(
    '/teams/:id/members',
    { config: { permission: 'team_members:write' } },
    async (req, reply) => {
      const { id } = parse(idParam, req.params, 'path');
      const body = parse(addMemberBody, req.body);
      const { subject, scope } = access(req);
      await assertMayManagePerson(db, subject, scope, body.user_id);
      const m = await write(req, (s) =>
        services.memberships.addTeamMember(s, id, body.user_id, body.role, { source: 'manual' }),
      );
      return reply.status(201).send(m);
    },
  );

  app.patch(
    '/teams/:id/members/:userId',
    { config: { permission: 'team_members:write', query: sourceQuery } },
    async (req) => {
      const { id, userId } = parse(memberParam, req.params, 'path');
      const { source } = queryOf(req, sourceQuery);
      const { role } = parse(memberRoleBody, req.body);
      const { subject, scope } = access(req);
      await assertMayChangeMembership(db, subject, scope, userId);
      return write(req, (s) =>
        services.memberships.addTeamMember(s, id, userId, role, { source, mode: 'update' }),
      );
    },
  );

  /** Removes the membership of one source (default: manual); IdP-sourced ones come back at next sync. */
  app.delete(
    '/teams/:id/members/:userId',
    { config: { permission: 'team_members:write', query: sourceQuery } },
    async (req, reply) => {
      const { id, userId } = parse(memberParam, req.params, 'path');
      const { source } = queryOf(req, sourceQuery);
      const { subject, scope } = access(req);
      await assertMayChangeMembership(db, subject, scope, userId);
      await write(req, (s) => services.memberships.removeTeamMember(s, id, userId, { source }));
      return reply.status(204).send();
    },
  );
};
