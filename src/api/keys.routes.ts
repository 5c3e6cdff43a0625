import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { visibility } from '../access/guard.js';
import type { Principal } from '../access/principal.js';
import { invalid } from '../errors/catalogue.js';
import { duration, id, isoTime, limit, models, money } from '../http/fields.js';
import { listQuery } from '../http/query.js';
import { parse } from '../http/validate.js';
import { decidePurpose, KEY_PURPOSE_SPELLINGS, parseKeyPurpose } from '../keys/purpose.js';
import type { ApiRoutes } from './deps.js';
import { access, queryOf } from './surface.js';

const fields = {
  name: z.string().trim().min(1).max(200).nullable().optional(),
  models: models.optional(),
  max_budget: money.nullable().optional(),
  budget_duration: duration.nullable().optional(),
  rpm_limit: limit.nullable().optional(),
  tpm_limit: limit.nullable().optional(),
  expires_at: isoTime.nullable().optional(),
};
const purpose = z
  .string()
  .transform((v, c) => {
    const p = parseKeyPurpose(v);
    if (p === null) {
      c.addIssue({
        code: 'custom',
        message: `must be one of ${KEY_PURPOSE_SPELLINGS.join(', ')}`,
      });
      return z.NEVER;
    }
    return p;
  })
  .optional();
const createBody = z.strictObject({
  user_id: id.nullable().optional(),
  team_id: id.nullable().optional(),
  purpose,
  /** LiteLLM's name for the same field. */
  key_type: purpose,
  ...fields,
});
const updateBody = z.strictObject({ ...fields, blocked: z.boolean().optional() });
/** What a key's owner may change on their own key: nothing that loosens a limit or a block. */
const ownUpdateBody = z.strictObject(
  {
    name: fields.name,
    blocked: z
      .literal(true, {
        error: "a key's owner may block it but not unblock it: ask an admin to unblock it",
      })
      .optional(),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `a key's owner may change only its name and block it (blocked: true); ask an admin to change ${iss.keys.join(', ')}`
        : undefined,
  },
);
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

export const keyRoutes: ApiRoutes = (app, { services, write }) => {
  app.get('/keys', { config: { permission: 'keys:read', query: listParams } }, async (req) =>
    services.keys.list(queryOf(req, listParams), visibility(access(req).subject, 'keys:read')),
  );

  /** The only response that ever contains the secret (`key`). */
  app.post(
    '/keys',
    { config: { permission: 'keys:create', target: newKey } },
    async (req, reply) => {
      const { purpose: asked, key_type, ...body } = parse(createBody, req.body ?? {});
      if (asked !== undefined && key_type !== undefined && asked !== key_type) {
        throw invalid('purpose and key_type disagree; send one of them', [
          { path: 'key_type', message: `purpose says ${asked}` },
        ]);
      }
      const { scope, subject } = access(req);
      const userId = keyOwner(req.principal, body);
      const keyPurpose = decidePurpose({
        requested: asked ?? key_type,
        ownKey: userId !== null && userId === subject.userId,
        callerIsProxyAdmin: subject.role === 'proxy_admin',
      });
      if (scope === 'own' && subject.userId) {
        // Self-service: a personal key reaches only models the person's teams (or own grant) allow.
        body.models = await services.keys.selfServiceModels(
          subject.userId,
          body.team_id ?? null,
          body.models,
        );
      }
      const created = await write(req, (s) =>
        services.keys.create(s, { ...body, user_id: userId, purpose: keyPurpose }),
      );
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.get('/keys/:id', { config: { permission: 'keys:read' } }, async (req) =>
    services.keys.get(parse(idParam, req.params, 'path').id),
  );

  app.patch('/keys/:id', { config: { permission: 'keys:update' } }, async (req) => {
    const { id } = parse(idParam, req.params, 'path');
    if (access(req).scope === 'own') {
      const own = parse(ownUpdateBody, req.body);
      return write(req, (s) => services.keys.update(s, id, own, { byOwner: true }));
    }
    const patch = parse(updateBody, req.body);
    return write(req, (s) => services.keys.update(s, id, patch));
  });

  app.delete('/keys/:id', { config: { permission: 'keys:delete' } }, async (req, reply) => {
    const { id } = parse(idParam, req.params, 'path');
    await write(req, (s) => services.keys.remove(s, id));
    return reply.status(204).send();
  });
};
