import { z } from 'zod';
import { assertAssignable, authorize, visibility } from '../access/guard.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../access/passwords.js';
import { invalid } from '../errors/catalogue.js';
import { budgetFields, globalRole, id, teamRole } from '../http/fields.js';
import { boolQuery, listQuery } from '../http/query.js';
import { parse } from '../http/validate.js';
import type { ApiRoutes } from './deps.js';
import { access, queryOf } from './surface.js';

const email = z
  .email({
    error: (iss) =>
      iss.input === undefined
        ? 'is required: the email address of the person'
        : 'must be an email address',
  })
  .max(320);
const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH);
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
  /** A local password makes this a break-glass account (see POST /auth/login). */
  password: password.optional(),
  /** Org admins must create users inside one of their organizations. */
  organization_id: id.optional(),
  /** Team memberships to create with the user, all or nothing. */
  teams: z
    .array(z.strictObject({ team_id: id, role: teamRole.default('member') }))
    .max(1000)
    .optional(),
});
const updateBody = z.strictObject({
  ...profile,
  email: email.nullable().optional(),
  user_name: profile.user_name.unwrap().nullable().optional(),
  /**
   * A role set here is pinned (the IdP no longer changes it). `false` hands the role back to the
   * IdP: the next sign-in or group sync re-evaluates it.
   */
  role_pinned: z.boolean().optional(),
});
const passwordBody = z.strictObject({ password: password.nullable() });
const listParams = z.strictObject({
  ...listQuery,
  email: z.string().optional(),
  /** Case-insensitive, like sign-in: the README's way to find the bootstrap admin. */
  user_name: z.string().optional(),
  role: globalRole.optional(),
  active: boolQuery.optional(),
  team_id: z.string().optional(),
});
const idParam = z.strictObject({ id });

const bodyField = (body: unknown, field: string): string | null => {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  return typeof v === 'string' ? v : null;
};

export const userRoutes: ApiRoutes = (app, { services, write }) => {
  const db = services.ctx.db.kysely;

  app.get('/users', { config: { permission: 'users:read', query: listParams } }, async (req) =>
    services.users.list(queryOf(req, listParams), visibility(access(req).subject, 'users:read')),
  );

  app.post(
    '/users',
    {
      config: {
        permission: 'users:create',
        target: (req) => ({
          kind: 'new_user',
          organizationId: bodyField(req.body, 'organization_id'),
        }),
      },
    },
    async (req, reply) => {
      const { teams, password, organization_id, ...input } = parse(createBody, req.body);
      const { subject } = access(req);
      // The role the person will really get, default included, must be one the caller may grant.
      const defaultRole = services.ctx.config.defaultUserParams.user_role ?? 'internal_user_viewer';
      assertAssignable(subject, input.role ?? defaultRole);
      if (password !== undefined)
        await authorize(db, subject, 'users:set_password', { kind: 'list' });
      for (const t of teams ?? [])
        await authorize(db, subject, 'team_members:write', { kind: 'team', id: t.team_id });
      const passwordHash =
        password === undefined ? undefined : await services.hashPassword(password);
      const user = await write(req, async (s) => {
        const u = await services.users.create(s, { ...input, password_hash: passwordHash });
        if (organization_id) {
          await services.memberships.addOrgMember(s, organization_id, u.id, 'member', {
            source: 'manual',
          });
        }
        for (const t of teams ?? []) {
          await services.memberships.addTeamMember(s, t.team_id, u.id, t.role, {
            source: 'manual',
          });
        }
        return u;
      });
      return reply.status(201).send(user);
    },
  );

  app.get('/users/:id', { config: { permission: 'users:read' } }, async (req) => {
    const { id } = parse(idParam, req.params, 'path');
    const user = await services.users.get(id);
    return { ...user, teams: await services.memberships.listUserTeams(id) };
  });

  app.patch('/users/:id', { config: { permission: 'users:update' } }, async (req) => {
    const { id } = parse(idParam, req.params, 'path');
    const { role_pinned, ...patch } = parse(updateBody, req.body);
    assertAssignable(access(req).subject, patch.role);
    if (role_pinned === false && patch.role !== undefined) {
      throw invalid('role and role_pinned: false contradict each other', [
        { path: 'role_pinned', message: 'drop role, or pin it' },
      ]);
    }
    const roleSource =
      role_pinned === undefined ? undefined : role_pinned ? ('manual' as const) : ('idp' as const);
    return write(req, (s) => services.users.update(s, id, { ...patch, role_source: roleSource }));
  });

  /** Sets (or with null, clears) a local break-glass password. */
  app.put(
    '/users/:id/password',
    { config: { permission: 'users:set_password' } },
    async (req, reply) => {
      const { id } = parse(idParam, req.params, 'path');
      const { password: pw } = parse(passwordBody, req.body);
      const hash = pw === null ? null : await services.hashPassword(pw);
      await write(req, (s) => services.users.setPassword(s, id, hash));
      return reply.status(204).send();
    },
  );

  app.delete('/users/:id', { config: { permission: 'users:delete' } }, async (req, reply) => {
    const { id } = parse(idParam, req.params, 'path');
    await write(req, (s) => services.users.remove(s, id));
    return reply.status(204).send();
  });
};
