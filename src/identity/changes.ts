import { sql } from 'kysely';
import type { Dialect } from '../db/connect.js';
import type { Reader, Tx } from './actor.js';

/**
 * Change notifications for in-memory caches. Every committed write appends its changes to an
 * ordered feed in the database (a sequence number per change) and then tells the local bus,
 * best-effort. A cache that missed a notification (a listener failed, another instance wrote)
 * catches up from the last sequence number it saw; a Redis transport for several instances
 * carries the same records.
 */
export type ChangeKind = 'user' | 'team' | 'org' | 'key';

export interface Change {
  kind: ChangeKind;
  id: string;
}

export interface FeedChange extends Change {
  seq: number;
}

export type ChangeListener = (changes: readonly FeedChange[]) => Promise<void> | void;

export interface ChangeBus {
  /** Delivers to every listener; one failing listener neither stops the others nor loses their delivery. */
  publish(changes: readonly FeedChange[]): Promise<void>;
  subscribe(listener: ChangeListener): () => void;
}

export function localChangeBus(): ChangeBus {
  const listeners = new Set<ChangeListener>();
  return {
    async publish(changes) {
      const errors: unknown[] = [];
      for (const l of listeners) {
        try {
          await l(changes);
        } catch (e) {
          errors.push(e);
        }
      }
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, 'change listeners failed');
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Arbitrary constant naming the feed's advisory lock on PostgreSQL. */
const FEED_LOCK = 7_310_001;

/**
 * Appends changes inside the writing transaction. On PostgreSQL, sequence values are handed out
 * at insert time but become visible at commit, so two writers could commit out of order and a
 * reader could skip the lower number for good; an advisory lock held to commit makes feed order
 * commit order. SQLite has one writer at a time already.
 */
export async function appendToFeed(
  trx: Tx,
  dialect: Dialect,
  changes: readonly Change[],
  at: string,
): Promise<FeedChange[]> {
  if (changes.length === 0) return [];
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${FEED_LOCK})`.execute(trx);
  const rows = await trx
    .insertInto('changes')
    .values(changes.map((c) => ({ kind: c.kind, entity_id: c.id, at })))
    .returning(['seq', 'kind', 'entity_id'])
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), kind: r.kind as ChangeKind, id: r.entity_id }));
}

/** Changes after `afterSeq`, oldest first. */
export async function readFeed(db: Reader, afterSeq: number, limit: number): Promise<FeedChange[]> {
  const rows = await db
    .selectFrom('changes')
    .select(['seq', 'kind', 'entity_id'])
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), kind: r.kind as ChangeKind, id: r.entity_id }));
}

/** The newest and oldest sequence numbers kept (0 when the feed is empty). */
export async function feedBounds(db: Reader): Promise<{ first: number; last: number }> {
  const r = await db
    .selectFrom('changes')
    .select((eb) => [eb.fn.min('seq').as('first'), eb.fn.max('seq').as('last')])
    .executeTakeFirst();
  return { first: Number(r?.first ?? 0), last: Number(r?.last ?? 0) };
}

/** Drops feed entries older than `before`; a cache further behind than that reloads whole. */
export async function pruneFeed(db: Reader, before: string): Promise<number> {
  // The newest entry stays, so the feed's head is never lost.
  const r = await db
    .deleteFrom('changes')
    .where('at', '<', before)
    .where('seq', '<', (eb) => eb.selectFrom('changes').select((e) => e.fn.max('seq').as('m')))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
