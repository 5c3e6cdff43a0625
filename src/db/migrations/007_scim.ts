import { type Kysely, type Migration, sql } from 'kysely';

/**
 * SCIM: the User attributes Gatehouse has no column for (RFC 7643 core and enterprise
 * extension) as one JSON object per user, in a side table so the directory's own rows stay as
 * they are; and the indexes SCIM lookups need. Okta and Entra look people up by `userName eq`
 * (the unique `user_name_normalized`), `externalId eq` and `id eq` (primary key), groups by
 * `displayName eq` (case-insensitive, so on `lower(name)`). `externalId` is not unique for
 * users: Microsoft's own test collection reuses one.
 */
export const scim: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('scim_user_attributes')
      .addColumn('user_id', 'text', (c) =>
        c.primaryKey().references('users.id').onDelete('cascade'),
      )
      .addColumn('attributes', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('users_external_id').on('users').column('external_id').execute();
    await db.schema
      .createIndex('users_display_name_ci')
      .on('users')
      .expression(sql`lower(display_name)`)
      .execute();
    await db.schema.createIndex('teams_name_ci').on('teams').expression(sql`lower(name)`).execute();
  },
};
