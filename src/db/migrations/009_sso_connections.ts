import type { Kysely, Migration } from 'kysely';

/**
 * SSO connections made through the management API (those in the config file stay there), and
 * the id_token an SSO session keeps for RP-initiated logout. A connection's secrets (client
 * secret, private key, Graph secret) live in `secrets`, each sealed under GATEHOUSE_SECRET; the
 * id_token is sealed under a key derived from the session's own cookie secret, so the table
 * alone yields neither.
 */
export const ssoConnections: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('sso_connections')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('secrets', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('updated_by', 'text')
      .execute();
    await db.schema.alterTable('sessions').addColumn('id_token', 'text').execute();
  },
};
