import type { GatehouseConfig } from '../config/types.js';
import type { Db } from '../db/connect.js';
import { insideTransaction, openTransaction } from '../db/tx-guard.js';
import type { Actor, Tx } from './actor.js';
import { type AuditInput, recordAudit } from './audit.js';
import { appendToFeed, type Change, type ChangeBus, type FeedChange } from './changes.js';

/** The log lines the identity layer writes (Fastify's pino logger fits). */
export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What every identity service needs; built once by the composition root. */
export interface ServiceContext {
  db: Db;
  config: GatehouseConfig;
  changes: ChangeBus;
  now: () => Date;
  log: Log;
}

/** One open write: its transaction, its clock reading, its actor, its audit and change record. */
export interface WriteScope {
  trx: Tx;
  now: string;
  actor: Actor;
  /** Records an audit event inside the same transaction as the change it describes. */
  audit(event: Omit<AuditInput, 'actor' | 'at'>): Promise<void>;
  /** Caches to refresh once the transaction has committed. */
  changed(change: Change): void;
}

export class NestedWrite extends Error {
  constructor(open: string) {
    super(`write() opened inside ${open}: pass the open scope down instead`);
    this.name = 'NestedWrite';
  }
}

/**
 * Runs one request's changes in one transaction, with their audit events and change-feed
 * entries, then tells the caches. Opened once at the edge (a route, the sign-in pipeline, a SCIM
 * request); every service mutation takes the scope it runs in. Nothing is published if the
 * transaction rolls back, and a failing notification never fails the committed write: the
 * caches catch up from the feed.
 */
export async function write<T>(
  ctx: ServiceContext,
  actor: Actor,
  fn: (scope: WriteScope) => Promise<T>,
): Promise<T> {
  const open = openTransaction();
  if (open !== undefined) throw new NestedWrite(open);
  const pending = new Map<string, Change>();
  const now = ctx.now().toISOString();
  let committed: FeedChange[] = [];
  const result = await ctx.db.kysely.transaction().execute((trx) =>
    insideTransaction(`write() by ${actor.type}${actor.id ? ` ${actor.id}` : ''}`, async () => {
      const value = await fn({
        trx,
        now,
        actor,
        audit: (event) => recordAudit(trx, { ...event, actor, at: now }),
        changed: (c) => {
          pending.set(`${c.kind}:${c.id}`, c);
        },
      });
      committed = await appendToFeed(trx, ctx.db.dialect, [...pending.values()], now);
      return value;
    }),
  );
  if (committed.length > 0) {
    try {
      await ctx.changes.publish(committed);
    } catch (err) {
      ctx.log.error(
        { err, changes: committed.length, last_seq: committed[committed.length - 1]?.seq },
        'change notification failed after commit; caches catch up from the change feed',
      );
    }
  }
  return result;
}
