import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { MemberDelta } from '../patch/group.js';
import type { Dialect, Sql } from '../query/dialect.js';

export interface MemberChange {
  teamId: string;
  source: string;
  delta: MemberDelta;
  now: string;
}

export interface MemberResult {
  added: number;
  removed: number;
}

/** The ids of a JSON array parameter as a one-column table `id`. */
function ids(dialect: Dialect, list: readonly string[]): Sql {
  const json = JSON.stringify(list);
  return dialect === 'sqlite'
    ? sql`(select value as id from json_each(${json}))`
    : sql`(select jsonb_array_elements_text(${json}::jsonb) as id)`;
}

/**
 * Ids in the list that are no user (with `userSource`: no user of that source, i.e. not one
 * the directory provisioned): the caller refuses the PATCH before writing anything.
 */
export async function unknownMembers(
  db: Kysely<Database>,
  dialect: Dialect,
  list: readonly string[],
  userSource?: string,
): Promise<string[]> {
  if (list.length === 0) return [];
  const own = userSource === undefined ? sql`` : sql` and u.source = ${userSource}`;
  const r = await sql<{ id: string }>`select l.id from ${ids(dialect, list)} as l
    where not exists (select 1 from users u where u.id = l.id${own}) order by l.id`.execute(db);
  return r.rows.map((x) => x.id);
}

async function insertMembers(
  db: Kysely<Database>,
  dialect: Dialect,
  c: MemberChange,
  list: readonly string[],
): Promise<number> {
  if (list.length === 0) return 0;
  // `where true` keeps SQLite from reading ON CONFLICT as a join constraint.
  const r = await sql`insert into team_memberships (team_id, user_id, source, role, created_at)
    select ${c.teamId}, u.id, ${c.source}, 'member', ${c.now}
    from ${ids(dialect, list)} as l join users u on u.id = l.id
    where true
    on conflict (team_id, user_id, source) do nothing`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Applies a Group PATCH's member delta to one team with a fixed number of statements, whatever
 * the number of members: the ids travel as one JSON array parameter and are joined in SQL, so
 * a 10,000-member team is never read into memory nor written row by row. Only memberships of
 * `source` (`scim:<token id>`) are added or removed: a manual or SSO membership of the same
 * person stays (DESIGN.md, Identity rules). Ids that are no user are skipped here; check them
 * first with `unknownMembers`. Run it inside the caller's write transaction.
 */
export async function applyMemberChange(
  db: Kysely<Database>,
  dialect: Dialect,
  c: MemberChange,
): Promise<MemberResult> {
  const d = c.delta;
  if (d.kind === 'replace') {
    const removed = await sql`delete from team_memberships
      where team_id = ${c.teamId} and source = ${c.source}
        and user_id not in (select id from ${ids(dialect, d.ids)} as l)`.execute(db);
    const added = await insertMembers(db, dialect, c, d.ids);
    return { added, removed: Number(removed.numAffectedRows ?? 0) };
  }
  let removed = 0;
  if (d.remove.length > 0) {
    const r = await sql`delete from team_memberships
      where team_id = ${c.teamId} and source = ${c.source}
        and user_id in (select id from ${ids(dialect, d.remove)} as l)`.execute(db);
    removed = Number(r.numAffectedRows ?? 0);
  }
  return { added: await insertMembers(db, dialect, c, d.add), removed };
}

/**
 * Count and latest join of a team's memberships (of `source` when given, else of any): the
 * Group version's input.
 */
export async function membershipStamp(
  db: Kysely<Database>,
  teamId: string,
  source?: string,
): Promise<{ count: number; lastAddedAt: string | null }> {
  const own = source === undefined ? sql`` : sql` and source = ${source}`;
  const r = await sql<{ count: number | string; last: string | null }>`
    select count(distinct user_id) as count, max(created_at) as last
    from team_memberships where team_id = ${teamId}${own}`.execute(db);
  const row = r.rows[0];
  return { count: Number(row?.count ?? 0), lastAddedAt: row?.last ?? null };
}
