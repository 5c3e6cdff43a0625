import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The change feed caches catch up from; key purposes (what a key may do besides calling models);
 * the key an audited action was done with.
 */
export function foundation(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('changes')
        // AUTOINCREMENT on SQLite: numbers are never reused, even after the feed is pruned.
        .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('changes_at').on('changes').column('at').execute();

      await db.schema
        .alterTable('api_keys')
        .addColumn('purpose', 'text', (c) => c.notNull().defaultTo('management'))
        .execute();
      // Keys someone made for another person (or for nobody) could act with that person's
      // role on the management API; from now on they only call models. The bootstrap admin's
      // own key keeps its reach.
      await sql`update api_keys set purpose = 'inference'
        where user_id is null
           or created_by is null
           or (created_by <> user_id and created_by <> 'bootstrap')`.execute(db);

      await db.schema.alterTable('audit_events').addColumn('actor_key_id', 'text').execute();
      await db.schema
        .createIndex('audit_actor')
        .on('audit_events')
        .columns(['actor_id', 'id'])
        .execute();
    },
  };
}
