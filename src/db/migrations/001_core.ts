import type { Kysely, Migration } from 'kysely';

/**
 * Core schema. Written with portable column types only so one migration runs on SQLite and
 * PostgreSQL. The audit id is the one auto-increment column: `serial` on PostgreSQL,
 * `integer primary key autoincrement` on SQLite.
 */
export function core(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const money = 'double precision' as const;
      await db.schema
        .createTable('organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('max_budget', money)
        .addColumn('budget_duration', 'text')
        .addColumn('budget_reset_at', 'text')
        .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
        .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('teams')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('organization_id', 'text', (c) =>
          c.references('organizations.id').onDelete('set null'),
        )
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text')
        .addColumn('max_budget', money)
        .addColumn('budget_duration', 'text')
        .addColumn('budget_reset_at', 'text')
        .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
        .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('rpm_limit', 'integer')
        .addColumn('tpm_limit', 'integer')
        .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('teams_external_id')
        .on('teams')
        .column('external_id')
        .unique()
        .execute();
      await db.schema.createIndex('teams_name').on('teams').column('name').execute();
      await db.schema
        .createIndex('teams_organization')
        .on('teams')
        .column('organization_id')
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text')
        .addColumn('email_normalized', 'text', (c) => c.unique())
        .addColumn('user_name', 'text')
        .addColumn('user_name_normalized', 'text', (c) => c.unique())
        .addColumn('display_name', 'text')
        .addColumn('given_name', 'text')
        .addColumn('family_name', 'text')
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('role_source', 'text', (c) => c.notNull())
        .addColumn('role_explanation', 'text')
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text')
        .addColumn('password_hash', 'text')
        .addColumn('max_budget', money)
        .addColumn('budget_duration', 'text')
        .addColumn('budget_reset_at', 'text')
        .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
        .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('rpm_limit', 'integer')
        .addColumn('tpm_limit', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('deactivated_at', 'text')
        .execute();
      await db.schema
        .createIndex('users_created')
        .on('users')
        .columns(['created_at', 'id'])
        .execute();

      await db.schema
        .createTable('identities')
        .addColumn('connection_id', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_login_at', 'text')
        .addPrimaryKeyConstraint('identities_pk', ['connection_id', 'subject'])
        .execute();
      await db.schema.createIndex('identities_user').on('identities').column('user_id').execute();

      await db.schema
        .createTable('team_memberships')
        .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('team_memberships_pk', ['team_id', 'user_id', 'source'])
        .execute();
      await db.schema
        .createIndex('team_memberships_user')
        .on('team_memberships')
        .column('user_id')
        .execute();

      await db.schema
        .createTable('org_memberships')
        .addColumn('organization_id', 'text', (c) =>
          c.notNull().references('organizations.id').onDelete('cascade'),
        )
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('org_memberships_pk', ['organization_id', 'user_id', 'source'])
        .execute();
      await db.schema
        .createIndex('org_memberships_user')
        .on('org_memberships')
        .column('user_id')
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('key_preview', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('team_id', 'text', (c) => c.references('teams.id').onDelete('cascade'))
        .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('max_budget', money)
        .addColumn('budget_duration', 'text')
        .addColumn('budget_reset_at', 'text')
        .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
        .addColumn('rpm_limit', 'integer')
        .addColumn('tpm_limit', 'integer')
        .addColumn('expires_at', 'text')
        .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('blocked_reason', 'text')
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('api_keys_user').on('api_keys').column('user_id').execute();
      await db.schema.createIndex('api_keys_team').on('api_keys').column('team_id').execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text')
        .addColumn('before', 'text')
        .addColumn('after', 'text')
        .addColumn('ip', 'text')
        .addColumn('request_id', 'text')
        .execute();
      await db.schema
        .createIndex('audit_target')
        .on('audit_events')
        .columns(['target_type', 'target_id'])
        .execute();

      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .execute();
    },
  };
}
