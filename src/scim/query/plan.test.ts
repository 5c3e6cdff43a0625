import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../../test/support/db.js';
import { GROUP_RESOURCE, USER_RESOURCE } from '../schema/definitions.js';
import { asPredicate, sqlDialect } from './dialect.js';
import { listSql, parseListParams } from './list.js';
import { TEAMS_STORAGE, USERS_STORAGE } from './storage.js';

const USERS = 3000;
const TEAMS = 600;

async function seed(db: TestDb): Promise<void> {
  const now = '2024-01-01T00:00:00.000Z';
  for (let start = 0; start < USERS; start += 500) {
    const rows = Array.from({ length: 500 }, (_, k) => {
      const i = start + k;
      return {
        id: `u-${i}`,
        user_name: `user${i}@acme.com`,
        user_name_normalized: `user${i}@acme.com`,
        email: `user${i}@acme.com`,
        email_normalized: `user${i}@acme.com`,
        display_name: `User ${i}`,
        external_id: `ext-${i}`,
        role: 'internal_user',
        role_source: 'default',
        source: 'scim:t',
        active: 1,
        models: '[]',
        spend: 0,
        created_at: now,
        updated_at: now,
      };
    });
    await db.kysely.insertInto('users').values(rows).execute();
    await db.kysely
      .insertInto('scim_user_attributes')
      .values(rows.map((r) => ({ user_id: r.id, attributes: '{"title":"x"}', updated_at: now })))
      .execute();
  }
  await db.kysely
    .insertInto('teams')
    .values(
      Array.from({ length: TEAMS }, (_, i) => ({
        id: `t-${i}`,
        name: `Team ${i}`,
        external_id: `g-${i}`,
        source: 'scim:t',
        spend: 0,
        models: '[]',
        blocked: 0,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  await db.kysely.executeQuery(CompiledQuery.raw('analyze'));
}

/**
 * The lookups Okta and Entra make on every sync must be index lookups, on both engines. This
 * reads the planner's own answer (EXPLAIN QUERY PLAN / EXPLAIN) for the SQL the compiler
 * produces, on tables big enough that PostgreSQL would rather scan if it could not use one.
 */
describe.each(dialects())('SCIM lookups use indexes (%s)', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await testDb(dialect);
    await seed(db);
  });
  afterAll(async () => db?.dispose());
  const d = sqlDialect(dialect);

  async function plan(resource: 'users' | 'teams', filter: string): Promise<string> {
    const q = listSql(
      parseListParams({ filter }),
      resource === 'users'
        ? { rt: USER_RESOURCE, storage: USERS_STORAGE, d }
        : { rt: GROUP_RESOURCE, storage: TEAMS_STORAGE, d },
    );
    const where = asPredicate(q.where as NonNullable<typeof q.where>);
    const compiled =
      resource === 'users'
        ? db.kysely
            .selectFrom('users')
            .leftJoin('scim_user_attributes as sa', 'sa.user_id', 'users.id')
            .selectAll('users')
            .select('sa.attributes')
            .where(where)
            .compile()
        : db.kysely.selectFrom('teams').selectAll().where(where).compile();
    const prefix = dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
    const result = await db.kysely.executeQuery<Record<string, unknown>>(
      CompiledQuery.raw(prefix + compiled.sql, [...compiled.parameters]),
    );
    return result.rows
      .map((r) => String(r.detail ?? r['QUERY PLAN'] ?? JSON.stringify(r)))
      .join('\n');
  }

  const cases: [string, 'users' | 'teams', string, RegExp][] = [
    ['userName eq', 'users', 'userName eq "USER42@acme.com"', /user_name_normalized|users_2|_key/],
    ['externalId eq', 'users', 'externalId eq "ext-42"', /users_external_id/],
    ['displayName eq', 'users', 'displayName eq "user 42"', /users_display_name_ci/],
    ['id eq', 'users', 'id eq "u-42"', /users_1|users_pkey/],
    ['Group displayName eq', 'teams', 'displayName eq "team 7"', /teams_name_ci/],
    ['Group externalId eq', 'teams', 'externalId eq "g-7"', /teams_external_id/],
    ['Group id eq', 'teams', 'id eq "t-7"', /teams_1|teams_pkey/],
  ];

  for (const [name, resource, filter, index] of cases) {
    it(`${name} → ${index.source}`, async () => {
      const text = await plan(resource, filter);
      expect(text).toMatch(index);
      if (dialect === 'sqlite') expect(text).not.toMatch(new RegExp(`SCAN ${resource}\\b`));
      else expect(text).not.toMatch(new RegExp(`Seq Scan on ${resource}\\b`));
    });
  }

  it('a filter on a JSON attribute scans (the check is able to fail)', async () => {
    const text = await plan('users', 'title eq "x"');
    expect(text).toMatch(
      dialect === 'sqlite' ? /SCAN users/ : /Seq Scan on (users|sa|scim_user_attributes)/,
    );
  });
});
