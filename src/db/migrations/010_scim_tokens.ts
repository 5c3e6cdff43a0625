import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../connect.js';

/**
 * SCIM tokens and the SCIM request log.
 *
 * A token is a service principal: only the SHA-256 of its secret is kept (looked up through
 * the unique index, so comparing it is one indexed equality on a hash). Each token belongs to
 * a directory (`directory_id`): the id of the first token made for it, and inherited by a
 * token made to rotate it, so that users and memberships provisioned as `scim:<directory>`
 * stay under one source when the IdP's credential changes. Revoked tokens stay as rows, so the
 * activity log and audit events keep naming them.
 *
 * `scim_requests` records every SCIM request (token, method, path, status, error, duration)
 * for `GET /api/v1/scim/activity`; old and excess rows are pruned. `users.source` gets an index
 * because every SCIM user query is scoped to the directory's own users.
 */
export function scimTokens(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('scim_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('directory_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('token_preview', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createIndex('scim_tokens_directory')
        .on('scim_tokens')
        .column('directory_id')
        .execute();

      await db.schema
        .createTable('scim_requests')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('token_id', 'text')
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error', 'text')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('request_id', 'text')
        /** JSON list of attributes the client sent that Gatehouse does not keep. */
        .addColumn('ignored', 'text')
        .execute();
      await db.schema
        .createIndex('scim_requests_token')
        .on('scim_requests')
        .columns(['token_id', 'id'])
        .execute();
      await db.schema.createIndex('scim_requests_at').on('scim_requests').column('at').execute();

      await db.schema.createIndex('users_source').on('users').column('source').execute();
    },
  };
}
