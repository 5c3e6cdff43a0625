import { readJson } from '../db/json.js';
import type { ServiceContext, WriteScope } from './write.js';

/** The claims and app roles of a person's last verified sign-in, kept for background re-evaluation. */
export interface StoredFacts {
  claims: Record<string, unknown>;
  roles: string[];
}

export interface IdentityRef {
  connection: string;
  subject: string;
}

export interface LinkedIdentity extends IdentityRef {
  user_id: string;
  created_at: string;
  last_login_at: string | null;
}

export interface KnownPerson {
  userId: string;
  subject: string;
  facts: StoredFacts;
}

/**
 * Identities: which IdP subject (per connection) is which user. The only code that writes the
 * `identities` table; every link is audited with how it was made.
 */
export interface IdentitiesService {
  /** The user a subject is linked to, read in the caller's transaction. */
  find(s: WriteScope, ref: IdentityRef): Promise<string | null>;
  /** Links a subject to a user. `by` says how the match was made (`jit`, `email`, `scim`, …). */
  link(s: WriteScope, ref: IdentityRef, userId: string, opts: { by: string }): Promise<void>;
  /** Marks a verified sign-in and keeps the facts background sync re-evaluates. */
  recordSignIn(s: WriteScope, ref: IdentityRef, facts: StoredFacts): Promise<void>;
  listForUser(userId: string): Promise<LinkedIdentity[]>;
  /** Active people of a connection with their last facts (background group sync). */
  activeOfConnection(connection: string): Promise<KnownPerson[]>;
}

export function identitiesService(ctx: ServiceContext): IdentitiesService {
  const db = ctx.db.kysely;
  return {
    async find(s, ref) {
      const row = await s.trx
        .selectFrom('identities')
        .select('user_id')
        .where('connection_id', '=', ref.connection)
        .where('subject', '=', ref.subject)
        .executeTakeFirst();
      return row?.user_id ?? null;
    },

    async link(s, ref, userId, opts) {
      await s.trx
        .insertInto('identities')
        .values({
          connection_id: ref.connection,
          subject: ref.subject,
          user_id: userId,
          created_at: s.now,
          last_login_at: null,
          facts: null,
        })
        .execute();
      await s.audit({
        action: 'user.identity_linked',
        targetType: 'user',
        targetId: userId,
        after: { connection: ref.connection, subject: ref.subject, by: opts.by },
      });
    },

    async recordSignIn(s, ref, facts) {
      await s.trx
        .updateTable('identities')
        .set({ last_login_at: s.now, facts: JSON.stringify(facts) })
        .where('connection_id', '=', ref.connection)
        .where('subject', '=', ref.subject)
        .execute();
    },

    async listForUser(userId) {
      const rows = await db
        .selectFrom('identities')
        .select(['connection_id', 'subject', 'user_id', 'created_at', 'last_login_at'])
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .execute();
      return rows.map((r) => ({
        connection: r.connection_id,
        subject: r.subject,
        user_id: r.user_id,
        created_at: r.created_at,
        last_login_at: r.last_login_at,
      }));
    },

    async activeOfConnection(connection) {
      const rows = await db
        .selectFrom('identities as i')
        .innerJoin('users as u', 'u.id', 'i.user_id')
        .select(['i.user_id', 'i.subject', 'i.facts'])
        .where('i.connection_id', '=', connection)
        .where('u.active', '=', 1)
        .execute();
      return rows.map((r) => ({
        userId: r.user_id,
        subject: r.subject,
        facts: readJson<StoredFacts>(r.facts, 'identities.facts') ?? { claims: {}, roles: [] },
      }));
    },
  };
}
