import type { Kysely, Migration } from 'kysely';

/**
 * One row per gateway request: who, which model and deployment, tokens, cost, latency and
 * outcome. No foreign keys: spend history outlives the keys, users and teams it names.
 */
export const spend: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('spend_logs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('user_id', 'text')
      .addColumn('team_id', 'text')
      .addColumn('organization_id', 'text')
      .addColumn('operation', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('deployment', 'text')
      .addColumn('provider', 'text')
      .addColumn('upstream_model', 'text')
      .addColumn('stream', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('prompt_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('completion_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('total_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('usage_estimated', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('cost', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('latency_ms', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('http_status', 'integer', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .execute();
    for (const col of ['key_id', 'user_id', 'team_id', 'organization_id', 'model'] as const) {
      await db.schema
        .createIndex(`spend_logs_${col}`)
        .on('spend_logs')
        .columns([col, 'created_at'])
        .execute();
    }
    await db.schema
      .createIndex('spend_logs_created')
      .on('spend_logs')
      .columns(['created_at', 'id'])
      .execute();
  },
};
