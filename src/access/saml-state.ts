import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Why a stored AuthnRequest did not match, each a different story for the admin. */
export type RequestCheck =
  | { ok: true }
  | { ok: false; reason: 'unknown' | 'expired' | 'other_connection' | 'other_browser' };

/** The browser binding is a cookie secret: only its hash is stored. */
const bindingHash = (binding: string): string =>
  createHash('sha256').update(`saml-request\0${binding}`, 'utf8').digest('base64url');

/**
 * SAML login state in the database, so any instance can finish a login another started:
 * AuthnRequest ids (single use, bound to connection and browser, expiring) and the assertion-id
 * replay cache. SQL lives here rather than in `src/sso/`, which holds protocol code only.
 */
export function samlStateStore(db: Kysely<Database>, now: () => Date) {
  return {
    async saveRequest(r: {
      requestId: string;
      connectionId: string;
      browserBinding: string;
      ttlMs: number;
    }): Promise<void> {
      const at = now();
      await db.deleteFrom('saml_requests').where('expires_at', '<=', at.toISOString()).execute();
      await db
        .insertInto('saml_requests')
        .values({
          id: r.requestId,
          connection_id: r.connectionId,
          binding_hash: bindingHash(r.browserBinding),
          created_at: at.toISOString(),
          expires_at: new Date(at.getTime() + r.ttlMs).toISOString(),
        })
        .execute();
    },

    /**
     * Uses up the request when connection, browser and time all match. The delete is the
     * single-use guarantee: of two concurrent posts only one deletes the row. A mismatch leaves
     * the row alone, so a stranger posting someone's request id cannot cancel their login.
     */
    async consumeRequest(r: {
      requestId: string;
      connectionId: string;
      browserBinding: string;
    }): Promise<RequestCheck> {
      const at = now().toISOString();
      const used = await db
        .deleteFrom('saml_requests')
        .where('id', '=', r.requestId)
        .where('connection_id', '=', r.connectionId)
        .where('binding_hash', '=', bindingHash(r.browserBinding))
        .where('expires_at', '>', at)
        .returning('id')
        .executeTakeFirst();
      if (used) return { ok: true };
      const row = await db
        .selectFrom('saml_requests')
        .select(['connection_id', 'binding_hash', 'expires_at'])
        .where('id', '=', r.requestId)
        .executeTakeFirst();
      if (!row) return { ok: false, reason: 'unknown' };
      if (row.expires_at <= at) return { ok: false, reason: 'expired' };
      if (row.connection_id !== r.connectionId) return { ok: false, reason: 'other_connection' };
      return { ok: false, reason: 'other_browser' };
    },

    /** The replay cache of one connection, as the SAML core's `AssertionReplayCache`. */
    replayCache(connectionId: string) {
      return {
        async claim(assertionId: string, notOnOrAfter: Date): Promise<boolean> {
          const at = now().toISOString();
          await db.deleteFrom('saml_assertions').where('expires_at', '<=', at).execute();
          const inserted = await db
            .insertInto('saml_assertions')
            .values({
              connection_id: connectionId,
              assertion_id: assertionId,
              expires_at: notOnOrAfter.toISOString(),
            })
            .onConflict((oc) => oc.columns(['connection_id', 'assertion_id']).doNothing())
            .returning('assertion_id')
            .executeTakeFirst();
          return inserted !== undefined;
        },
      };
    },
  };
}

export type SamlStateStore = ReturnType<typeof samlStateStore>;
