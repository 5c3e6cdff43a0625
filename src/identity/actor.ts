import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/** Who performs a change: recorded in the audit log and in `created_by`. */
export interface Actor {
  type: 'master' | 'user' | 'system' | 'scim' | 'sso';
  id: string | null;
  /** The API key the request was authenticated with, when it was one. */
  keyId?: string | undefined;
  ip?: string | undefined;
  requestId?: string | undefined;
}

export const SYSTEM: Actor = { type: 'system', id: null };

export type Tx = Transaction<Database>;

/** Something queries can run on: the root pool (outside writes) or a write's transaction. */
export type Reader = Kysely<Database> | Tx;
