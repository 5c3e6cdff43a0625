import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../../test/support/db.js';
import { ScimSyntaxError } from '../errors.js';
import { GROUP_RESOURCE, USER_RESOURCE } from '../schema/definitions.js';
import { URN } from '../schema/types.js';
import { asPredicate, sqlDialect } from './dialect.js';
import { LIST_LIMITS, listSql, parseListParams, type RawListParams } from './list.js';
import { TEAMS_STORAGE, USERS_STORAGE } from './storage.js';

interface Person {
  id: string;
  userName: string | null;
  email?: string;
  displayName?: string;
  given?: string;
  family?: string;
  created: string;
  active?: boolean;
  externalId?: string;
  attributes?: Record<string, unknown>;
}

/** SCIMMY's four `match` users (filter.json), plus people the IdPs' lookups need. */
const PEOPLE: Person[] = [
  {
    id: '1',
    userName: 'AdeleV',
    created: '2021-07-25T12:37:58.132Z',
    given: 'Adele',
    family: 'Vance',
    attributes: {
      name: { formatted: 'Adele Vance' },
      emails: [{ type: 'work', value: 'AdeleV@example.net', primary: true }],
    },
  },
  {
    id: '2',
    userName: 'GradyA',
    created: '2021-09-22T02:32:12.026Z',
    given: 'Grady',
    family: 'Archie',
    attributes: {
      name: { formatted: 'Grady Archie' },
      emails: [{ type: 'home', value: 'GradyA@example.com', primary: true }],
    },
  },
  {
    id: '3',
    userName: 'LynneR',
    created: '2021-08-05T10:11:57.910Z',
    given: 'Lynne',
    family: 'Robbins',
    attributes: {
      name: { formatted: 'Lynne Robbins' },
      emails: [{ type: 'work', value: 'LynneR@example.org', primary: true }],
    },
  },
  {
    id: '4',
    userName: 'MeganB',
    created: '2021-09-08T23:02:28.986Z',
    given: 'Megan',
    family: 'Bowen',
    active: false,
    attributes: {
      name: { formatted: 'Megan Bowen' },
      emails: [
        { type: 'work', value: 'MeganB@example.org', primary: true },
        { type: 'home', value: 'MeganB@example.net', primary: false },
      ],
      title: 'Site engineer',
      [URN.enterprise]: { employeeNumber: '701984', manager: { value: 'm-1' } },
    },
  },
  {
    id: '5',
    userName: 'ford_purdy@abernathypadberg.uk',
    created: '2024-01-01T00:00:00.000Z',
    externalId: 'Ext-5',
    displayName: 'Ford Purdy',
  },
  // Created through the API with an email only: SCIM shows the email as userName and email.
  { id: '6', userName: null, email: 'Api.Only@acme.com', created: '2024-02-01T00:00:00.000Z' },
];

async function seed(db: TestDb): Promise<void> {
  for (const p of PEOPLE) {
    await db.kysely
      .insertInto('users')
      .values({
        id: p.id,
        user_name: p.userName,
        user_name_normalized: p.userName?.toLowerCase() ?? null,
        email: p.email ?? null,
        email_normalized: p.email?.toLowerCase() ?? null,
        display_name: p.displayName ?? null,
        given_name: p.given ?? null,
        family_name: p.family ?? null,
        external_id: p.externalId ?? null,
        role: 'internal_user',
        role_source: 'default',
        source: 'scim:t1',
        active: p.active === false ? 0 : 1,
        models: '[]',
        spend: 0,
        created_at: p.created,
        updated_at: p.created,
      })
      .execute();
    if (p.attributes)
      await db.kysely
        .insertInto('scim_user_attributes')
        .values({ user_id: p.id, attributes: JSON.stringify(p.attributes), updated_at: p.created })
        .execute();
  }
  const now = '2024-03-01T00:00:00.000Z';
  for (const [id, name, ext] of [
    ['t1', 'UHYYWKURUTZS', '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159'],
    ['t2', 'Test SCIMv2', null],
  ] as const) {
    await db.kysely
      .insertInto('teams')
      .values({
        id,
        name,
        external_id: ext,
        source: 'scim:t1',
        spend: 0,
        models: '[]',
        blocked: 0,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  for (const [team, user] of [
    ['t1', '1'],
    ['t1', '4'],
    ['t2', '5'],
  ] as const)
    await db.kysely
      .insertInto('team_memberships')
      .values({ team_id: team, user_id: user, source: 'scim:t1', role: 'member', created_at: now })
      .execute();
}

describe.each(dialects())('filters, sorting and paging in SQL (%s)', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await testDb(dialect);
    await seed(db);
  });
  afterAll(async () => db?.dispose());

  const d = sqlDialect(dialect);
  const userCtx = { rt: USER_RESOURCE, storage: USERS_STORAGE, d };

  async function users(raw: RawListParams | string): Promise<string[]> {
    const params = parseListParams(typeof raw === 'string' ? { filter: raw } : raw);
    const q = listSql(params, userCtx);
    let query = db.kysely
      .selectFrom('users')
      .leftJoin('scim_user_attributes as sa', 'sa.user_id', 'users.id')
      .select('users.id');
    if (q.where) query = query.where(asPredicate(q.where));
    for (const o of q.orderBy) query = query.orderBy(o);
    const rows = await query.limit(q.limit).offset(q.offset).execute();
    return rows.map((r) => r.id);
  }

  async function groups(filter: string): Promise<string[]> {
    const q = listSql(parseListParams({ filter }), {
      rt: GROUP_RESOURCE,
      storage: TEAMS_STORAGE,
      d,
    });
    const rows = await db.kysely
      .selectFrom('teams')
      .select('teams.id')
      .where(asPredicate(q.where as NonNullable<typeof q.where>))
      .orderBy('teams.id')
      .execute();
    return rows.map((r) => r.id);
  }

  const sorted = async (f: string) => (await users(f)).sort();

  describe('SCIMMY filter.json match vectors (schema attributes only)', () => {
    const cases: [string, string[]][] = [
      ['name.formatted co "a"', ['1', '2', '4']],
      ['name.formatted ew "e"', ['1', '2']],
      ['emails[type eq "work"]', ['1', '3', '4']],
      ['emails[type eq "work"] pr', ['1', '3', '4']],
      ['emails.value ew "example.net"', ['1', '4']],
      ['emails[type eq "work" and value ew "example.net"]', ['1']],
      ['Name.fOrmaTTed co "a" and emaILs.VALUe ew "example.net"', ['1', '4']],
      ['username sw "A"', ['1', '6']],
      ['not (userName sw "A")', ['2', '3', '4', '5']],
      ['meta.created gt "2021-08-05T12:00:00Z"', ['2', '4', '5', '6']],
      ['meta.created ge "2021-09-08T23:02:28.986Z"', ['2', '4', '5', '6']],
      ['meta.created le "2021-09-08T23:02:28.986Z"', ['1', '3', '4']],
      ['not (meta.created le "2021-09-08T23:02:28.986Z")', ['2', '5', '6']],
      ['name.formatted co "an" or userName co "ad"', ['1', '2', '4', '5']],
      ['userName co "e" and userName ew "V"', ['1']],
    ];
    // SCIMMY compares case-sensitively; userName and name are caseExact=false, so
    // `username sw "A"` also finds api.only@acme.com, the email-only user.
    for (const [filter, expected] of cases)
      it(filter, async () => expect(await sorted(filter)).toEqual(expected));
  });

  describe('what the IdPs look up', () => {
    it('okta/entra: userName eq, case-insensitively (E-28)', async () => {
      expect(await users('userName eq "FORD_PURDY@ABERNATHYPADBERG.UK"')).toEqual(['5']);
      expect(await users('userName eq "abcdefgh@atko.com"')).toEqual([]);
    });

    it('userName falls back to the email for people without a user name', async () => {
      expect(await users('userName eq "api.only@ACME.com"')).toEqual(['6']);
      expect(await users('emails.value eq "API.ONLY@acme.com"')).toEqual(['6']);
      expect(await users('emails[primary eq true and value co "api.only"]')).toEqual(['6']);
    });

    it('entra: unquoted externalId, case-exact', async () => {
      expect(await users('externalId eq Ext-5')).toEqual(['5']);
      expect(await users('externalId eq "ext-5"')).toEqual([]);
    });

    it('entra: emails[type eq "work"].value eq (E-34)', async () => {
      expect(await users('emails[type eq "work"].value eq "meganb@EXAMPLE.org"')).toEqual(['4']);
      expect(await users('emails[type eq "home"].value eq "meganb@example.org"')).toEqual([]);
    });

    it('id eq, displayName eq, active eq with "True"/"False" strings', async () => {
      expect(await users('id eq "3"')).toEqual(['3']);
      expect(await users('displayName eq "ford PURDY"')).toEqual(['5']);
      expect(await sorted('active eq false')).toEqual(['4']);
      expect(await sorted('active eq "False"')).toEqual(['4']);
      expect((await users('active eq "True"')).length).toBe(5);
    });

    it('enterprise attributes with their URN; title from the JSON attributes', async () => {
      expect(await users(`${URN.enterprise}:employeeNumber eq "701984"`)).toEqual(['4']);
      expect(await users(`${URN.enterprise}:manager.value eq "m-1"`)).toEqual(['4']);
      expect(await users('title eq "site ENGINEER"')).toEqual(['4']);
    });

    it('eq null, ne null, pr and not on absent values', async () => {
      expect(await sorted('title eq null')).toEqual(['1', '2', '3', '5', '6']);
      expect(await sorted('title ne null')).toEqual(['4']);
      expect(await sorted('title pr')).toEqual(['4']);
      expect(await sorted('not (title eq "Site engineer")')).toEqual(['1', '2', '3', '5', '6']);
      expect(await sorted('title ne "Site engineer"')).toEqual(['1', '2', '3', '5', '6']);
      expect(await sorted('externalId pr')).toEqual(['5']);
    });

    it('microsoft: meta.Created gt an unquoted date-time with 7 digits and an offset (M-24)', async () => {
      expect((await users('meta.Created gt 2015-10-10T14:38:21.8617979-07:00')).length).toBe(6);
      expect(await users('meta.created lt 2021-07-25T05:37:58.133-07:00')).toEqual(['1']);
    });

    it('groups: displayName eq case-insensitively, externalId, members filters', async () => {
      expect(await groups('displayName eq "uhyywkurutzs"')).toEqual(['t1']);
      expect(await groups('displayName eq "Test SCIMv2"')).toEqual(['t2']);
      expect(await groups('externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"')).toEqual(['t1']);
      expect(await groups('members[value eq "4"]')).toEqual(['t1']);
      expect(await groups('members.value eq "5"')).toEqual(['t2']);
      expect(await groups('members.display co "ford"')).toEqual(['t2']);
      expect(await groups('members pr')).toEqual(['t1', 't2']);
      expect(await groups('not (members[value eq "1"])')).toEqual(['t2']);
    });

    it('users by group membership', async () => {
      expect(await sorted('groups.value eq "t1"')).toEqual(['1', '4']);
      expect(await sorted('groups.display eq "test scimv2"')).toEqual(['5']);
    });
  });

  describe('sorting and paging', () => {
    it('sortBy userName ascending and descending; the id breaks ties', async () => {
      expect(await users({ sortBy: 'userName' })).toEqual(['1', '6', '5', '2', '3', '4']);
      expect(await users({ sortBy: 'userName', sortOrder: 'descending' })).toEqual([
        '4',
        '3',
        '2',
        '5',
        '6',
        '1',
      ]);
    });

    it('unassigned values sort last ascending', async () => {
      expect(await users({ sortBy: 'externalId' })).toEqual(['5', '1', '2', '3', '4', '6']);
      expect(await users({ sortBy: 'name.familyName' })).toEqual(['2', '4', '3', '1', '5', '6']);
    });

    it('a multi-valued attribute sorts by its primary (else first) element (RFC 7644 §3.4.2.3)', async () => {
      expect(await users({ sortBy: 'emails' })).toEqual(['1', '6', '2', '3', '4', '5']);
      // Descending: unassigned first, and ties broken by id in the same direction.
      expect(await users({ sortBy: 'emails.type', sortOrder: 'descending' })).toEqual([
        '6',
        '5',
        '4',
        '3',
        '1',
        '2',
      ]);
    });

    it('startIndex is 1-based; count pages; below 1 means 1, negative count means 0', async () => {
      expect(await users({ startIndex: '2', count: '2' })).toEqual(['2', '3']);
      expect(await users({ startIndex: '0', count: '1' })).toEqual(['1']);
      expect(await users({ startIndex: '-5', count: '-1' })).toEqual([]);
      expect(await users({ startIndex: '100' })).toEqual([]);
    });

    it('count is cut to the cap', () => {
      expect(parseListParams({ count: '100000000' }).count).toBe(LIST_LIMITS.maxCount);
    });
  });

  describe('bad input', () => {
    const code = (raw: RawListParams): string => {
      try {
        listSql(parseListParams(raw), userCtx);
      } catch (e) {
        return (e as { code: string }).code;
      }
      return 'no error';
    };

    it('unknown attribute → invalidFilter naming the position', () => {
      try {
        listSql(parseListParams({ filter: 'userName eq "a" and shoeSize gt 9' }), userCtx);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ScimSyntaxError);
        expect((e as ScimSyntaxError).position).toBe(20);
        expect((e as ScimSyntaxError).message).toMatch(/'shoeSize'/);
      }
    });

    it('type mismatches → invalidFilter', () => {
      expect(code({ filter: 'active gt true' })).toBe('invalid_filter');
      expect(code({ filter: 'active eq "yes"' })).toBe('invalid_filter');
      expect(code({ filter: 'meta.created gt "yesterday"' })).toBe('invalid_filter');
      expect(code({ filter: 'meta.created co "2021"' })).toBe('invalid_filter');
      expect(code({ filter: 'userName eq true' })).toBe('invalid_filter');
      expect(code({ filter: 'name eq "x"' })).toBe('invalid_filter');
      expect(code({ filter: 'meta.version eq "x"' })).toBe('invalid_filter');
      expect(code({ filter: 'userName[value eq "x"]' })).toBe('invalid_filter');
      expect(code({ filter: 'emails[nope eq "x"]' })).toBe('invalid_filter');
      expect(code({ filter: 'department eq "x"' })).toBe('invalid_filter');
    });

    it('absurd or malformed paging and sorting → invalidValue', () => {
      expect(code({ count: 'ten' })).toBe('invalid_value');
      expect(code({ startIndex: '1e9' })).toBe('invalid_value');
      expect(code({ startIndex: '99999999999999999999' })).toBe('invalid_value');
      expect(code({ sortOrder: 'sideways' })).toBe('invalid_value');
      expect(code({ sortBy: 'shoeSize' })).toBe('invalid_value');
      expect(code({ sortBy: 'groups' })).toBe('invalid_value');
      expect(code({ sortBy: 'addresses' })).toBe('invalid_value');
      expect(code({ sortBy: 'a[b' })).toBe('invalid_value');
    });

    it('attack: a filter value is a bound parameter, never SQL', async () => {
      expect(await users(`userName eq "x' or '1'='1"`)).toEqual([]);
      expect(await users('title eq "x\\") or 1=1 --"')).toEqual([]);
      expect(await users(`${URN.enterprise}:employeeNumber eq "') or 1=1 --"`)).toEqual([]);
    });
  });
});
