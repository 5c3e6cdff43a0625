import type { Kysely, Migration } from 'kysely';

/**
 * Sign-ins in progress (OIDC state/nonce/PKCE verifier, SAML request id). Kept in the database,
 * not in process memory, so a login started on one instance can finish on another. The row is
 * addressed by the SHA-256 of a random handle that only the browser's cookie holds, and its
 * protocol values are sealed under a key derived from that handle.
 */
export const sso: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('sso_login_states')
      .addColumn('handle_hash', 'text', (c) => c.primaryKey())
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('protocol', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('return_to', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('sso_login_states_expires')
      .on('sso_login_states')
      .column('expires_at')
      .execute();
  },
};
