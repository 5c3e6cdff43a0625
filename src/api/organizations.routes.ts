import { z } from 'zod';
import { assertMayChangeMembership, assertMayManagePerson, visibility } from '../access/guard.js';
import { duration, id, models, money, name, orgRole, source } from '../http/fields.js';
import { listQuery } from '../http/query.js';
import { parse } from '../http/validate.js';
import type { ApiRoutes } from './deps.js';
import { access, queryOf } from './surface.js';

const fields = {
  max_budget: money.nullable().optional(),
  budget_duration: duration.nullable().optional(),
  models: models.optional(),
};
const createBody = z.strictObject({ name, ...fields });
const updateBody = z.strictObject({ name: name.optional(), ...fields });
const idParam = z.strictObject({ id });
const memberParam = z.strictObject({ id, userId: id });
const addMemberBody = z.strictObject({ user_id: id, role: orgRole.default('member') });
const sourceQuery = z.strictObject({ source: source.default('manual') });
const listParams = z.strictObject(listQuery);

export const organizationRoutes: ApiRoutes = (app, { services, write }) => {
  const orgs = services.organizations;

  app.get(
    '/organizations',
    { config: { permission: 'organizations:read', query: listParams } },
    async (req) =>
      orgs.list(queryOf(req, listParams), visibility(access(req).subject, 'organizations:read')),
  );

  // Only proxy admins create organizations: no narrower scope can hold a new one.
  const global = () => ({ kind: 'list' as const });
  app.post(
    '/organizations',
    { config: { permission: 'organizations:create', target: global } },
    async (req, reply) => {
      const input = parse(createBody, req.body);
      const org = await write(req, (s) => orgs.create(s, input));
      return reply.status(201).send(org);
    },
  );

  app.get('/organizations/:id', { config: { permission: 'organizations:read' } }, async (req) =>
    orgs.get(parse(idParam, req.params, 'path').id),
  );

  app.patch(
    '/organizations/:id',
    { config: { permission: 'organizations:update' } },
    async (req) => {
      const { id } = parse(idParam, req.params, 'path');
      const patch = parse(updateBody, req.body);
      return write(req, (s) => orgs.update(s, id, patch));
    },
  );

  app.delete(
    '/organizations/:id',
    { config: { permission: 'organizations:delete' } },
    async (req, reply) => {
      const { id } = parse(idParam, req.params, 'path');
      await write(req, (s) => orgs.remove(s, id));
      return reply.status(204).send();
    },
  );

  app.get(
    '/organizations/:id/members',
    { config: { permission: 'org_members:read' } },
    async (req) => {
      const { id } = parse(idParam, req.params, 'path');
      return { data: await services.memberships.listOrgMembers(id) };
    },
  );

  app.post(
    '/organizations/:id/members',
    { config: { permission: 'org_members:write' } },
    async (req, reply) => {
      const { id } = parse(idParam, req.params, 'path');
      const body = parse(addMemberBody, req.body);
      const { subject, scope } = access(req);
      await assertMayManagePerson(services.ctx.db.kysely, subject, scope, body.user_id);
      const m = await write(req, (s) =>
        services.memberships.addOrgMember(s, id, body.user_id, body.role, { source: 'manual' }),
      );
      return reply.status(201).send(m);
    },
  );

  app.delete(
    '/organizations/:id/members/:userId',
    { config: { permission: 'org_members:write', query: sourceQuery } },
    async (req, reply) => {
      const { id, userId } = parse(memberParam, req.params, 'path');
      const { source } = queryOf(req, sourceQuery);
      const { subject, scope } = access(req);
      await assertMayChangeMembership(services.ctx.db.kysely, subject, scope, userId);
      await write(req, (s) => services.memberships.removeOrgMember(s, id, userId, { source }));
      return reply.status(204).send();
    },
  );
};
