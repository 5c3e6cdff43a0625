import { describe, expect, it } from 'vitest';
import { dialects, testDb } from '../../test/support/db.js';
import { isForeignKeyViolation, isUniqueViolation } from './errors.js';
import { migrateToLatest } from './migrate.js';

const TABLES = [
  'api_keys',
  'audit_events',
  'changes',
  'identities',
  'login_failures',
  'sessions',
  'org_memberships',
  'organizations',
  'saml_assertions',
  'saml_requests',
  'scim_requests',
  'scim_tokens',
  'scim_user_attributes',
  'settings',
  'sso_connections',
  'sso_login_states',
  'spend_logs',
  'team_memberships',
  'teams',
  'users',
];

describe.each(dialects())('migrations (%s)', (dialect) => {
  it('create every table on an empty database, then have nothing left to do', async () => {
    const db = await testDb(dialect, { migrate: false });
    try {
      expect(await migrateToLatest(db)).toEqual([
        '001_core',
        '002_access',
        '003_identity_facts',
        '004_foundation',
        '005_sso',
        '006_saml',
        '007_scim',
        '008_spend',
        '009_sso_connections',
        '010_scim_tokens',
      ]);
      const tables = (await db.kysely.introspection.getTables()).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(TABLES));
      expect(await migrateToLatest(db)).toEqual([]);
    } finally {
      await db.dispose();
    }
  });

  it('enforce uniqueness and foreign keys in the database itself, mapped for both drivers', async () => {
    const db = await testDb(dialect);
    const now = new Date().toISOString();
    const user = (id: string, email: string) => ({
      id,
      email,
      email_normalized: email.toLowerCase(),
      role: 'internal_user',
      role_source: 'default',
      source: 'manual',
      active: 1,
      models: '[]',
      spend: 0,
      created_at: now,
      updated_at: now,
    });
    try {
      await db.kysely.insertInto('users').values(user('a', 'A@x.com')).execute();
      const dup = await db.kysely
        .insertInto('users')
        .values(user('b', 'a@X.com'))
        .execute()
        .catch((e: unknown) => e);
      expect(isUniqueViolation(dup)).toBe(true);
      const orphan = await db.kysely
        .insertInto('team_memberships')
        .values({
          team_id: 'nope',
          user_id: 'a',
          source: 'manual',
          role: 'member',
          created_at: now,
        })
        .execute()
        .catch((e: unknown) => e);
      expect(isForeignKeyViolation(orphan)).toBe(true);
      expect(isUniqueViolation(orphan)).toBe(false);
    } finally {
      await db.dispose();
    }
  });
});
