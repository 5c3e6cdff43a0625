import type { Kysely } from 'kysely';
import { readList } from '../../db/json.js';
import type { Database } from '../../db/schema.js';
import type { Log } from '../../identity/write.js';

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
  /** Queues one entry; entries are written in batches, off the request's path. */
  record(r: ScimRequestRecord): void;
  /** Writes what is queued. */
  flush(): Promise<void>;
  /** Newest first; what this process has queued is written first, so it is included. */
  list(q: ActivityQuery): Promise<ActivityEntry[]>;
  /** Drops entries older than `before` and all but the newest `maxEntries`; returns how many. */
  prune(before: string, maxEntries: number): Promise<number>;
  /** Stops the timer and writes what is queued (shutdown). */
  close(): Promise<void>;
}

/** Entries are written at most this long after the request (unless a batch fills first). */
const FLUSH_AFTER_MS = 500;
const BATCH_ROWS = 200;
/** When the database cannot take them, at most this many wait in memory; older ones are dropped. */
const MAX_QUEUED = 10_000;

const toRow = (r: ScimRequestRecord) => ({
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
});

/**
 * The SCIM request log. A request's entry is queued and written with others in one insert,
 * so logging a request costs the request no database round trip (on SQLite with
 * `synchronous = FULL`, an fsync per request). A failed write is logged and its entries
 * dropped: the log is for diagnosis, never a reason to fail or slow provisioning.
 */
export function activityStore(db: Kysely<Database>, log: Log): ActivityStore {
  let queued: ScimRequestRecord[] = [];
  let dropped = 0;
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> | null = null;

  async function write(batch: ScimRequestRecord[]): Promise<void> {
    try {
      for (let i = 0; i < batch.length; i += BATCH_ROWS)
        await db
          .insertInto('scim_requests')
          .values(batch.slice(i, i + BATCH_ROWS).map(toRow))
          .execute();
    } catch (err) {
      log.error({ err, entries: batch.length }, 'SCIM activity could not be written');
    }
  }

  async function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    while (writing) await writing;
    if (queued.length === 0) return;
    const batch = queued;
    queued = [];
    if (dropped > 0) {
      log.warn({ dropped }, 'SCIM activity entries dropped while the database lagged');
      dropped = 0;
    }
    writing = write(batch).finally(() => {
      writing = null;
    });
    await writing;
  }

  const flushSoon = () => {
    flush().catch((err: unknown) => log.error({ err }, 'SCIM activity flush failed'));
  };

  return {
    record(r) {
      queued.push(r);
      if (queued.length > MAX_QUEUED) {
        queued.shift();
        dropped++;
      }
      if (queued.length >= BATCH_ROWS) flushSoon();
      else if (!timer) {
        timer = setTimeout(flushSoon, FLUSH_AFTER_MS);
        timer.unref();
      }
    },

    flush,

    async close() {
      await flush();
    },

    async list(q) {
      await flush();
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
