import { sql } from 'kysely';
import type { Dialect } from '../../db/connect.js';
import type { Reader } from '../../identity/actor.js';
import { asPredicate, sqlDialect } from '../query/dialect.js';
import { type ListParams, listSql } from '../query/list.js';
import { teamsStorage, usersStorage } from '../query/storage.js';
import type { MemberRef, MembershipStamp, ScimTeamRow } from '../resources/group.js';
import type { GroupRef, ScimUserRow } from '../resources/user.js';
import { GROUP_RESOURCE, USER_RESOURCE } from '../schema/definitions.js';

/**
 * What one SCIM directory reads: its own users (source `scim:<directory>`), every team, and its
 * own memberships. Every query takes the reader it runs on: the root pool, or the request's
 * write transaction.
 */
const USER_COLUMNS = [
  'users.id',
  'users.user_name',
  'users.email',
  'users.display_name',
  'users.given_name',
  'users.family_name',
  'users.active',
  'users.external_id',
  'users.created_at',
  // A change to SCIM-only attributes (a phone number) moves lastModified too.
  sql<string>`case when sa.updated_at > users.updated_at then sa.updated_at else users.updated_at end`.as(
    'updated_at',
  ),
  'sa.attributes as attributes',
] as const;

const TEAM_COLUMNS = [
  'teams.id',
  'teams.name',
  'teams.external_id',
  'teams.created_at',
  'teams.updated_at',
] as const;

const usersOf = (db: Reader, source: string) =>
  db
    .selectFrom('users')
    .leftJoin('scim_user_attributes as sa', 'sa.user_id', 'users.id')
    .where('users.source', '=', source);

export async function findUser(
  db: Reader,
  source: string,
  id: string,
): Promise<ScimUserRow | undefined> {
  return usersOf(db, source).select(USER_COLUMNS).where('users.id', '=', id).executeTakeFirst();
}

export interface Listed<T> {
  total: number;
  rows: T[];
}

export async function listUsers(
  db: Reader,
  dialect: Dialect,
  source: string,
  params: ListParams,
): Promise<Listed<ScimUserRow>> {
  const q = listSql(params, {
    rt: USER_RESOURCE,
    storage: usersStorage(source),
    d: sqlDialect(dialect),
  });
  const base = q.where ? usersOf(db, source).where(asPredicate(q.where)) : usersOf(db, source);
  const counted = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  const total = Number(counted?.n ?? 0);
  if (q.limit === 0 || q.offset >= total) return { total, rows: [] };
  let page = base.select(USER_COLUMNS);
  for (const o of q.orderBy) page = page.orderBy(o);
  return { total, rows: await page.limit(q.limit).offset(q.offset).execute() };
}

/** The directory's memberships of these users, as `groups` (team id and name). */
export async function groupsOf(
  db: Reader,
  source: string,
  userIds: readonly string[],
): Promise<Map<string, GroupRef[]>> {
  const out = new Map<string, GroupRef[]>();
  if (userIds.length === 0) return out;
  const rows = await db
    .selectFrom('team_memberships as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .select(['m.user_id', 't.id', 't.name'])
    .where('m.source', '=', source)
    .where('m.user_id', 'in', [...userIds])
    .orderBy('t.name')
    .orderBy('t.id')
    .execute();
  for (const r of rows) {
    const list = out.get(r.user_id) ?? [];
    list.push({ value: r.id, display: r.name });
    out.set(r.user_id, list);
  }
  return out;
}

export async function findTeam(db: Reader, id: string): Promise<ScimTeamRow | undefined> {
  return db.selectFrom('teams').select(TEAM_COLUMNS).where('teams.id', '=', id).executeTakeFirst();
}

/** Another team with this name, compared as SCIM compares displayName (case-insensitively). */
export async function teamNamed(
  db: Reader,
  name: string,
  exceptId?: string,
): Promise<ScimTeamRow | undefined> {
  let q = db
    .selectFrom('teams')
    .select(TEAM_COLUMNS)
    .where(sql`lower(teams.name)`, '=', name.trim().toLowerCase());
  if (exceptId !== undefined) q = q.where('teams.id', '!=', exceptId);
  return q.executeTakeFirst();
}

export async function listTeams(
  db: Reader,
  dialect: Dialect,
  source: string,
  params: ListParams,
): Promise<Listed<ScimTeamRow>> {
  const q = listSql(params, {
    rt: GROUP_RESOURCE,
    storage: teamsStorage(source),
    d: sqlDialect(dialect),
  });
  const base = q.where
    ? db.selectFrom('teams').where(asPredicate(q.where))
    : db.selectFrom('teams');
  const counted = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  const total = Number(counted?.n ?? 0);
  if (q.limit === 0 || q.offset >= total) return { total, rows: [] };
  let page = base.select(TEAM_COLUMNS);
  for (const o of q.orderBy) page = page.orderBy(o);
  return { total, rows: await page.limit(q.limit).offset(q.offset).execute() };
}

/**
 * The membership stamp (count, latest join) of the directory's members of each team, in one
 * query: the same numbers `membershipStamp` gives one team, for a page of them.
 */
export async function stampsOf(
  db: Reader,
  source: string,
  teamIds: readonly string[],
): Promise<Map<string, MembershipStamp>> {
  const out = new Map<string, MembershipStamp>();
  if (teamIds.length === 0) return out;
  const rows = await db
    .selectFrom('team_memberships')
    .select((eb) => [
      'team_id',
      eb.fn.count<number | string>('user_id').distinct().as('n'),
      eb.fn.max('created_at').as('last'),
    ])
    .where('source', '=', source)
    .where('team_id', 'in', [...teamIds])
    .groupBy('team_id')
    .execute();
  for (const r of rows) out.set(r.team_id, { count: Number(r.n), lastAddedAt: r.last ?? null });
  return out;
}

/**
 * One page of a team's members of the directory's source, by user id after `afterId`: a large
 * team is read page by page, never whole.
 */
export async function membersPage(
  db: Reader,
  source: string,
  teamId: string,
  afterId: string | null,
  limit: number,
): Promise<MemberRef[]> {
  let q = db
    .selectFrom('team_memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'u.display_name'])
    .where('m.team_id', '=', teamId)
    .where('m.source', '=', source)
    .orderBy('m.user_id')
    .limit(limit);
  if (afterId !== null) q = q.where('m.user_id', '>', afterId);
  const rows = await q.execute();
  return rows.map((r) => ({ value: r.user_id, display: r.display_name }));
}

/** The members of several small teams at once (lists), bounded by the caller's choice of teams. */
export async function membersOf(
  db: Reader,
  source: string,
  teamIds: readonly string[],
): Promise<Map<string, MemberRef[]>> {
  const out = new Map<string, MemberRef[]>();
  if (teamIds.length === 0) return out;
  const rows = await db
    .selectFrom('team_memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.team_id', 'm.user_id', 'u.display_name'])
    .where('m.source', '=', source)
    .where('m.team_id', 'in', [...teamIds])
    .orderBy('m.team_id')
    .orderBy('m.user_id')
    .execute();
  for (const r of rows) {
    const list = out.get(r.team_id) ?? [];
    list.push({ value: r.user_id, display: r.display_name });
    out.set(r.team_id, list);
  }
  return out;
}
