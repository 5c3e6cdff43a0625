import { z } from 'zod';
import { AppError } from '../errors/catalogue.js';
import { listAudit } from '../identity/audit.js';
import type { ApiRoutes } from './deps.js';
import { queryOf } from './surface.js';

const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** Newest first; pass next_cursor to continue with older events. */
  cursor: z.string().optional(),
  actor_id: z.string().optional(),
  action: z.string().optional(),
  target_type: z.string().optional(),
  target_id: z.string().optional(),
});

export const auditRoutes: ApiRoutes = (app, { services }) => {
  app.get('/audit', { config: { permission: 'audit:read', query: auditQuery } }, async (req) => {
    const q = queryOf(req, auditQuery);
    if (q.cursor !== undefined && !/^\d{1,15}$/.test(q.cursor)) {
      throw new AppError(
        'invalid_request',
        'cursor is not valid; use next_cursor from a previous page',
      );
    }
    const rows = await listAudit(services.ctx.db.kysely, {
      limit: q.limit + 1,
      beforeId: q.cursor ? Number(q.cursor) : undefined,
      actorId: q.actor_id,
      action: q.action,
      targetType: q.target_type,
      targetId: q.target_id,
    });
    const more = rows.length > q.limit;
    const data = more ? rows.slice(0, q.limit) : rows;
    const last = data[data.length - 1];
    return { data, next_cursor: more && last ? String(last.id) : null };
  });
};
