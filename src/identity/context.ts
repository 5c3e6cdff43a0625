import type { Kysely, Transaction } from 'kysely';
import type { GatehouseConfig } from '../config/types.js';
import type { Db } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import { type AuditInput, recordAudit } from './audit.js';
import type { Change, ChangeBus } from './changes.js';

/** Who performs a change: recorded in the audit log and in `created_by`. */
export interface Actor {
  type: 'master' | 'user' | 'system' | 'scim' | 'sso';
  id: string | null;
  ip?: string | undefined;
  requestId?: string | undefined;
}

export const SYSTEM: Actor = { type: 'system', id: null };

export type Tx = Transaction<Database>;

/** What every identity service needs; built once by the composition root. */
export interface ServiceContext {
  db: Db;
  config: GatehouseConfig;
  changes: ChangeBus;
  now: () => Date;
}

export interface WriteScope {
  trx: Tx;
  now: string;
  /** Records an audit event inside the same transaction as the change it describes. */
  audit(event: Omit<AuditInput, 'actor' | 'at'>): Promise<void>;
  /** Caches to refresh once the transaction has committed. */
  changed(change: Change): void;
}

/**
 * Runs a multi-row change in one transaction with its audit events, then tells the caches.
 * Nothing is published if the transaction rolls back, so caches never see uncommitted state.
 */
export async function write<T>(
  ctx: ServiceContext,
  actor: Actor,
  fn: (scope: WriteScope) => Promise<T>,
): Promise<T> {
  const pending: Change[] = [];
  const now = ctx.now().toISOString();
  const result = await ctx.db.kysely.transaction().execute(async (trx) =>
    fn({
      trx,
      now,
      audit: (event) => recordAudit(trx, { ...event, actor, at: now }),
      changed: (c) => pending.push(c),
    }),
  );
  if (pending.length > 0) await ctx.changes.publish(pending);
  return result;
}

export type Reader = Kysely<Database> | Tx;
