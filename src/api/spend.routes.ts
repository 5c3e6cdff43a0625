import { z } from 'zod';
import { visibility } from '../access/guard.js';
import { type SpendFilter, spendLogs, spendTotals } from '../gateway/spend/store.js';
import { isoTime } from '../http/fields.js';
import { listQuery } from '../http/query.js';
import type { ApiRoutes } from './deps.js';
import { access, queryOf } from './surface.js';

const filters = {
  key_id: z.string().min(1).optional(),
  user_id: z.string().min(1).optional(),
  team_id: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  /** Inclusive. */
  start: isoTime.optional(),
  /** Exclusive. */
  end: isoTime.optional(),
};
const totalsQuery = z.strictObject(filters);
const logsQuery = z.strictObject({ ...filters, ...listQuery });

function filter(q: z.infer<typeof totalsQuery>, visible: SpendFilter['visible']): SpendFilter {
  return {
    keyId: q.key_id,
    userId: q.user_id,
    teamId: q.team_id,
    model: q.model,
    start: q.start,
    end: q.end,
    visible,
  };
}

/**
 * Spend: totals (overall, by UTC day, by model) and the request logs, each narrowed to what the
 * caller may see: everything, their organizations', their admin teams', or their own.
 */
export const spendRoutes: ApiRoutes = (app, { services }) => {
  const db = services.ctx.db.kysely;
  app.get('/spend', { config: { permission: 'spend:read', query: totalsQuery } }, async (req) => {
    const q = queryOf(req, totalsQuery);
    return spendTotals(db, filter(q, visibility(access(req).subject, 'spend:read')));
  });
  app.get(
    '/spend/logs',
    { config: { permission: 'spend:read', query: logsQuery } },
    async (req) => {
      const q = queryOf(req, logsQuery);
      return spendLogs(db, filter(q, visibility(access(req).subject, 'spend:read')), {
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );
};
