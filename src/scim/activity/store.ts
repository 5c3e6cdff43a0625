import type { Kysely } from 'kysely';
import { readList } from '../../db/json.js';
import type { Database } from '../../db/schema.js';

/** One SCIM request as the plugin saw it, after the response was sent. */
export interface ScimRequestRecord {
  at: string;
  tokenId: string | null;
  method: string;
  path: string;
  status: number;
  error: { code: string; detail: string } | null;
  durationMs: number;
  requestId: string | null;
  ignored: readonly string[];
}

/** What `GET /api/v1/scim/activity` shows for one request. */
export interface ActivityEntry {
  id: number;
  at: string;
  token_id: string | null;
  method: string;
  path: string;
  status: number;
  error: { code: string; detail: string } | null;
  duration_ms: number;
  request_id: string | null;
  /** Attributes the client sent that Gatehouse does not keep. */
  ignored: string[];
}

export interface ActivityQuery {
  tokenId?: string | undefined;
  /** Only requests answered with 400 or above. */
  failuresOnly?: boolean | undefined;
  /** Entries strictly older than this id (the list is newest first). */
  beforeId?: number | undefined;
  limit: number;
}

/** Longest stored path (with its query) and error detail: a log line, not a copy of the request. */
const MAX_PATH = 1000;
const MAX_DETAIL = 1000;
const MAX_IGNORED = 50;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export interface ActivityStore {
  record(r: ScimRequestRecord): Promise<void>;
  list(q: ActivityQuery): Promise<ActivityEntry[]>;
  /** Drops entries older than `before` and all but the newest `maxEntries`; returns how many. */
  prune(before: string, maxEntries: number): Promise<number>;
}

export function activityStore(db: Kysely<Database>): ActivityStore {
  return {
    async record(r) {
      await db
        .insertInto('scim_requests')
        .values({
          at: r.at,
          token_id: r.tokenId,
          method: r.method,
          path: clip(r.path, MAX_PATH),
          status: r.status,
          error_code: r.error?.code ?? null,
          error: r.error ? clip(r.error.detail, MAX_DETAIL) : null,
          duration_ms: Math.max(0, Math.round(r.durationMs)),
          request_id: r.requestId,
          ignored:
            r.ignored.length > 0
              ? JSON.stringify(r.ignored.slice(0, MAX_IGNORED).map((i) => clip(i, 200)))
              : null,
        })
        .execute();
    },

    async list(q) {
      let query = db.selectFrom('scim_requests').selectAll().orderBy('id', 'desc').limit(q.limit);
      if (q.tokenId !== undefined) query = query.where('token_id', '=', q.tokenId);
      if (q.failuresOnly) query = query.where('status', '>=', 400);
      if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
      const rows = await query.execute();
      return rows.map((r) => ({
        id: Number(r.id),
        at: r.at,
        token_id: r.token_id,
        method: r.method,
        path: r.path,
        status: r.status,
        error: r.error_code !== null ? { code: r.error_code, detail: r.error ?? '' } : null,
        duration_ms: r.duration_ms,
        request_id: r.request_id,
        ignored: r.ignored === null ? [] : readList(r.ignored, 'scim_requests.ignored'),
      }));
    },

    async prune(before, maxEntries) {
      const old = await db.deleteFrom('scim_requests').where('at', '<', before).executeTakeFirst();
      const boundary = await db
        .selectFrom('scim_requests')
        .select('id')
        .orderBy('id', 'desc')
        .limit(1)
        .offset(maxEntries)
        .executeTakeFirst();
      const excess = boundary
        ? await db.deleteFrom('scim_requests').where('id', '<=', boundary.id).executeTakeFirst()
        : { numDeletedRows: 0n };
      return Number(old.numDeletedRows) + Number(excess.numDeletedRows);
    },
  };
}
