import { z } from 'zod';
import { boolQuery } from '../http/query.js';
import { parse } from '../http/validate.js';
import type { ActivityStore } from '../scim/activity/store.js';
import type { ScimTokenStore } from '../scim/tokens/store.js';
import type { ApiRoutes } from './deps.js';
import { queryOf } from './surface.js';

const createBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** Make the new token the successor of this one: same directory, so the same source. */
  rotates: z.string().min(1).max(200).optional(),
});
const idParam = z.strictObject({ id: z.string().min(1).max(200) });
const activityQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** Newest first; pass next_cursor to continue with older entries. */
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'use next_cursor from a previous page')
    .optional(),
  token_id: z.string().min(1).max(200).optional(),
  failures: boolQuery.optional(),
});

/**
 * `/api/v1/scim/tokens` (SCIM clients' credentials) and `/api/v1/scim/activity` (what they
 * asked, and what failed). The create answer is fixed by DESIGN.md: `{"id","name","token"}`,
 * the token shown this once.
 */
export function scimAdminRoutes(scim: {
  tokens: Pick<ScimTokenStore, 'create' | 'list' | 'revoke'>;
  activity: Pick<ActivityStore, 'list'>;
}): ApiRoutes {
  return (app, { write }) => {
    app.post(
      '/scim/tokens',
      { config: { permission: 'scim_tokens:write', target: () => ({ kind: 'list' }) } },
      async (req, reply) => {
        const body = parse(createBody, req.body);
        const { token, secret } = await write(req, (s) =>
          scim.tokens.create(s, { name: body.name, rotates: body.rotates }),
        );
        return reply.status(201).send({ id: token.id, name: token.name, token: secret });
      },
    );

    app.get('/scim/tokens', { config: { permission: 'scim_tokens:read' } }, async () => ({
      data: await scim.tokens.list(),
    }));

    app.delete(
      '/scim/tokens/:id',
      { config: { permission: 'scim_tokens:write' } },
      async (req, reply) => {
        const { id } = parse(idParam, req.params, 'path');
        await write(req, (s) => scim.tokens.revoke(s, id));
        return reply.status(204).send();
      },
    );

    app.get(
      '/scim/activity',
      { config: { permission: 'scim_tokens:read', query: activityQuery } },
      async (req) => {
        const q = queryOf(req, activityQuery);
        const rows = await scim.activity.list({
          limit: q.limit + 1,
          beforeId: q.cursor !== undefined ? Number(q.cursor) : undefined,
          tokenId: q.token_id,
          failuresOnly: q.failures,
        });
        const more = rows.length > q.limit;
        const data = more ? rows.slice(0, q.limit) : rows;
        const last = data[data.length - 1];
        return { data, next_cursor: more && last ? String(last.id) : null };
      },
    );
  };
}
