import { type ExpressionBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { Database, SpendLogsTable } from '../../db/schema.js';
import type { Reader } from '../../identity/actor.js';
import { decodeCursor, encodeCursor, type Page } from '../../identity/pagination.js';
import type { Visibility } from '../../identity/visibility.js';

export interface SpendFilter {
  keyId?: string | undefined;
  userId?: string | undefined;
  teamId?: string | undefined;
  model?: string | undefined;
  /** ISO times: start inclusive, end exclusive. */
  start?: string | undefined;
  end?: string | undefined;
  /** What the caller may see (null: everything). */
  visible: Visibility | null;
}

export interface SpendSums {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost: number;
}

export interface SpendTotals extends SpendSums {
  by_day: (SpendSums & { day: string })[];
  by_model: (SpendSums & { model: string })[];
}

type Q<O> = SelectQueryBuilder<Database, 'spend_logs', O>;

/** The caller's own requests, their admin teams' and their organizations' (as the matrix says). */
function visibleTo(v: Visibility) {
  return (eb: ExpressionBuilder<Database, 'spend_logs'>) => {
    const ors = [];
    if (v.userId) ors.push(eb('user_id', '=', v.userId));
    if (v.adminTeamIds.length > 0) ors.push(eb('team_id', 'in', v.adminTeamIds));
    if (v.orgIds.length > 0) ors.push(eb('organization_id', 'in', v.orgIds));
    return ors.length > 0 ? eb.or(ors) : eb.val(false);
  };
}

function filtered<O>(q: Q<O>, f: SpendFilter): Q<O> {
  if (f.keyId !== undefined) q = q.where('key_id', '=', f.keyId);
  if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
  if (f.teamId !== undefined) q = q.where('team_id', '=', f.teamId);
  if (f.model !== undefined) q = q.where('model', '=', f.model);
  if (f.start !== undefined) q = q.where('created_at', '>=', f.start);
  if (f.end !== undefined) q = q.where('created_at', '<', f.end);
  if (f.visible) q = q.where(visibleTo(f.visible));
  return q;
}

const sums = {
  requests: sql<number>`count(*)`,
  prompt_tokens: sql<number>`coalesce(sum(prompt_tokens), 0)`,
  completion_tokens: sql<number>`coalesce(sum(completion_tokens), 0)`,
  total_tokens: sql<number>`coalesce(sum(total_tokens), 0)`,
  cost: sql<number>`coalesce(sum(cost), 0)`,
};

// PostgreSQL returns count/sum of integers as strings (bigint/numeric).
const asSums = (r: Record<string, unknown>): SpendSums => ({
  requests: Number(r.requests),
  prompt_tokens: Number(r.prompt_tokens),
  completion_tokens: Number(r.completion_tokens),
  total_tokens: Number(r.total_tokens),
  cost: Number(r.cost),
});

/** Totals for the filter, grouped by UTC day and by model. */
export async function spendTotals(db: Reader, f: SpendFilter): Promise<SpendTotals> {
  const base = () => filtered(db.selectFrom('spend_logs'), f);
  const all = await base()
    .select([
      sums.requests.as('requests'),
      sums.prompt_tokens.as('prompt_tokens'),
      sums.completion_tokens.as('completion_tokens'),
      sums.total_tokens.as('total_tokens'),
      sums.cost.as('cost'),
    ])
    .executeTakeFirst();
  const day = sql<string>`substr(created_at, 1, 10)`;
  const byDay = await base()
    .select([
      day.as('day'),
      sums.requests.as('requests'),
      sums.prompt_tokens.as('prompt_tokens'),
      sums.completion_tokens.as('completion_tokens'),
      sums.total_tokens.as('total_tokens'),
      sums.cost.as('cost'),
    ])
    .groupBy(day)
    .orderBy(day)
    .execute();
  const byModel = await base()
    .select([
      'model',
      sums.requests.as('requests'),
      sums.prompt_tokens.as('prompt_tokens'),
      sums.completion_tokens.as('completion_tokens'),
      sums.total_tokens.as('total_tokens'),
      sums.cost.as('cost'),
    ])
    .groupBy('model')
    .orderBy('model')
    .execute();
  return {
    ...asSums(all ?? {}),
    by_day: byDay.map((r) => ({ day: r.day, ...asSums(r) })),
    by_model: byModel.map((r) => ({ model: r.model, ...asSums(r) })),
  };
}

export type SpendLog = Omit<SpendLogsTable, 'stream' | 'usage_estimated'> & {
  stream: boolean;
  usage_estimated: boolean;
};

/** Newest first, keyset-paged. */
export async function spendLogs(
  db: Reader,
  f: SpendFilter,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<SpendLog>> {
  let q = filtered(db.selectFrom('spend_logs').selectAll(), f);
  const pos = decodeCursor(page.cursor);
  if (pos) q = q.where(sql<boolean>`(created_at, id) < (${pos.created_at}, ${pos.id})`);
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
  const more = rows.length > page.limit;
  const data = (more ? rows.slice(0, page.limit) : rows).map((r) => ({
    ...r,
    prompt_tokens: Number(r.prompt_tokens),
    completion_tokens: Number(r.completion_tokens),
    total_tokens: Number(r.total_tokens),
    http_status: Number(r.http_status),
    stream: Number(r.stream) === 1,
    usage_estimated: Number(r.usage_estimated) === 1,
  }));
  const last = data[data.length - 1];
  return { data, next_cursor: more && last ? encodeCursor(last) : null };
}
