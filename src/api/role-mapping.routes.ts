import { z } from 'zod';
import { roleMappingSchema } from '../config/schema.js';
import { AppError } from '../errors/catalogue.js';
import { parse } from '../http/validate.js';
import { capFacts } from '../provisioning/caps.js';
import { effectiveMapping, storeMapping } from '../provisioning/mapping.js';
import { groupsInScope } from '../provisioning/scope.js';
import { resolveRole } from '../roles/resolve.js';
import type { ApiRoutes } from './deps.js';

/** Groups may be given as names or ids (strings) or as {id, name} (Entra with display names). */
const group = z.union([
  z.string().min(1).max(500),
  z.strictObject({
    id: z.string().min(1).max(500).nullable().optional(),
    name: z.string().min(1).max(500).nullable().optional(),
  }),
]);
const previewBody = z.strictObject({
  connection: z.string().max(100).optional(),
  groups: z.array(group).max(5000).default([]),
  roles: z.array(z.string().max(200)).max(500).default([]),
  claims: z.record(z.string(), z.unknown()).default({}),
});

export const roleMappingRoutes: ApiRoutes = (app, { services, write }) => {
  const ctx = services.ctx;

  app.get('/role-mapping', { config: { permission: 'role_mapping:read' } }, async () => {
    const { mapping, source } = await effectiveMapping(ctx);
    return { ...mapping, source, read_only: source === 'config' };
  });

  app.put(
    '/role-mapping',
    { config: { permission: 'role_mapping:write', target: () => ({ kind: 'list' }) } },
    async (req) => {
      // A file-owned mapping is read-only whatever the body says: say so before validating it.
      if (ctx.config.roleMapping) {
        throw new AppError(
          'conflict',
          'role_mapping is set in the config file and is read-only here; change the file.',
        );
      }
      const mapping = parse(roleMappingSchema, req.body);
      const stored = await write(req, (s) => storeMapping(ctx, s, mapping));
      return { ...stored.mapping, source: stored.source, read_only: false };
    },
  );

  /** "Who would this user be?": the role, teams and the rules that matched, without signing anyone in. */
  app.post(
    '/role-mapping/preview',
    { config: { permission: 'role_mapping:preview', target: () => ({ kind: 'list' }) } },
    async (req) => {
      const body = parse(previewBody, req.body ?? {});
      const { mapping } = await effectiveMapping(ctx);
      // The same caps as a sign-in, so the preview answers what a sign-in would do.
      const facts = capFacts({
        groups: body.groups.map((g) =>
          typeof g === 'string'
            ? { id: null, name: g }
            : { id: g.id ?? null, name: g.name ?? null },
        ),
        groupsComplete: true,
        claims: body.claims,
        roles: body.roles,
      });
      const r = resolveRole(mapping, {
        connection: body.connection ?? null,
        groups: facts.groups,
        claims: facts.claims,
        roles: facts.roles,
      });
      const synced = groupsInScope(facts.groups, ctx.config.groupSync, null);
      const teams = [
        ...synced.map((g) => ({
          team: g.name ?? g.id ?? '',
          id: g.id,
          role: 'member' as const,
          via: 'group' as const,
        })),
        ...r.teams.map((t) => ({ team: t.team, id: null, role: t.role, via: 'rule' as const })),
      ];
      return {
        role: r.role,
        decided_by: r.decided_by,
        teams,
        organizations: r.organizations,
        matched: r.matched.map((m) => ({
          ...m,
          rule_definition: typeof m.rule === 'number' ? (mapping.rules[m.rule] ?? null) : null,
        })),
        ...(facts.leftOut.length > 0 ? { left_out: facts.leftOut } : {}),
      };
    },
  );
};
