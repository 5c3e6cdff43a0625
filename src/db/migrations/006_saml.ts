import type { Kysely, Migration } from 'kysely';

/**
 * SAML state that any instance must see: the AuthnRequest ids a login is waiting on (single use,
 * bound to a connection and a browser) and the assertion ids already used (the replay cache).
 * Both expire; rows past `expires_at` are pruned as new ones are written.
 */
export const saml: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('saml_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('binding_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('saml_requests_expires')
      .on('saml_requests')
      .column('expires_at')
      .execute();

    await db.schema
      .createTable('saml_assertions')
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('assertion_id', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('saml_assertions_pk', ['connection_id', 'assertion_id'])
      .execute();
    await db.schema
      .createIndex('saml_assertions_expires')
      .on('saml_assertions')
      .column('expires_at')
      .execute();
  },
};
