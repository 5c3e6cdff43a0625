import type { OrgRole, TeamRole } from '../config/roles.js';
import { conflict, notFound } from '../errors/catalogue.js';
import type { Reader } from './actor.js';
import { requireOrgRow } from './organizations.js';
import { requireTeamRow } from './teams.js';
import type { ServiceContext, WriteScope } from './write.js';

/**
 * A person can belong to a team through several sources at once (an admin added them, and the
 * IdP group says so too). Each source owns its own row, so a sync that removes "its"
 * memberships never removes one an admin made by hand.
 */
export type PutMode = 'create' | 'update' | 'upsert';

export interface Membership<R extends string> {
  user_id: string;
  role: R;
  source: string;
  created_at: string;
}

export interface MembershipOptions {
  /** `manual`, `sso:<connection>`, `scim:<token>`: each source owns its own rows. */
  source: string;
  /** `create` refuses an existing membership (409), `update` a missing one (404), `upsert` (sync) neither. */
  mode?: PutMode;
}

export interface UserTeam {
  team_id: string;
  name: string;
  role: string;
  source: string;
}

/** Team and organization memberships. Mutations run in the caller's scope. */
export interface MembershipsService {
  addTeamMember(
    s: WriteScope,
    teamId: string,
    userId: string,
    role: TeamRole,
    opts: MembershipOptions,
  ): Promise<Membership<TeamRole>>;
  removeTeamMember(
    s: WriteScope,
    teamId: string,
    userId: string,
    opts: { source: string },
  ): Promise<void>;
  listTeamMembers(teamId: string): Promise<MemberSummary<TeamRole>[]>;
  listUserTeams(userId: string): Promise<UserTeam[]>;
  addOrgMember(
    s: WriteScope,
    orgId: string,
    userId: string,
    role: OrgRole,
    opts: MembershipOptions,
  ): Promise<Membership<OrgRole>>;
  removeOrgMember(
    s: WriteScope,
    orgId: string,
    userId: string,
    opts: { source: string },
  ): Promise<void>;
  listOrgMembers(orgId: string): Promise<MemberSummary<OrgRole>[]>;
}

export interface MemberSummary<R extends string> {
  user_id: string;
  email: string | null;
  /** The strongest role across sources: admin beats member. */
  role: R;
  sources: { source: string; role: R; created_at: string }[];
}

async function requireUser(s: WriteScope, userId: string) {
  const u = await s.trx
    .selectFrom('users')
    .select(['id', 'active'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!u) throw notFound('user', userId);
  return u;
}

function summarise<R extends string>(
  rows: {
    user_id: string;
    email: string | null;
    role: string;
    source: string;
    created_at: string;
  }[],
  strongest: R,
): MemberSummary<R>[] {
  const byUser = new Map<string, MemberSummary<R>>();
  for (const r of rows) {
    let m = byUser.get(r.user_id);
    if (!m) {
      m = { user_id: r.user_id, email: r.email, role: r.role as R, sources: [] };
      byUser.set(r.user_id, m);
    }
    m.sources.push({ source: r.source, role: r.role as R, created_at: r.created_at });
    if (r.role === strongest) m.role = strongest;
  }
  return [...byUser.values()];
}

/**
 * Team and organization memberships have the same shape and rules; only the table, the key
 * column and the words in the audit log differ.
 */
interface Kind<R extends string> {
  table: 'team_memberships' | 'org_memberships';
  key: 'team_id' | 'organization_id';
  noun: 'team' | 'organization';
  strongest: R;
  requireParent: (db: Reader, id: string) => Promise<unknown>;
}
const TEAM: Kind<TeamRole> = {
  table: 'team_memberships',
  key: 'team_id',
  noun: 'team',
  strongest: 'admin',
  requireParent: requireTeamRow,
};
const ORG: Kind<OrgRole> = {
  table: 'org_memberships',
  key: 'organization_id',
  noun: 'organization',
  strongest: 'org_admin',
  requireParent: requireOrgRow,
};

export function membershipsService(ctx: ServiceContext): MembershipsService {
  const db = ctx.db.kysely;

  // Both tables have the same columns but for the key's name; Kysely cannot express "one of two
  // tables" in a single builder, so queries are typed against team_memberships and the names
  // swapped in. The Kind values above are the only names that can reach here.
  const table = (k: Kind<string>) => k.table as 'team_memberships';
  const key = (k: Kind<string>) => k.key as 'team_id';

  async function put<R extends string>(
    s: WriteScope,
    k: Kind<R>,
    parentId: string,
    userId: string,
    role: R,
    { source, mode = 'create' }: MembershipOptions,
  ): Promise<Membership<R>> {
    await k.requireParent(s.trx, parentId);
    await requireUser(s, userId);
    const existing = await s.trx
      .selectFrom(table(k))
      .select(['role', 'created_at'])
      .where(key(k), '=', parentId)
      .where('user_id', '=', userId)
      .where('source', '=', source)
      .executeTakeFirst();
    if (existing && mode === 'create') {
      throw conflict(
        `user '${userId}' is already a member of ${k.noun} '${parentId}' (source ${source})`,
      );
    }
    if (!existing && mode === 'update')
      throw notFound('membership', `${parentId}/${userId}/${source}`);
    if (existing?.role === role)
      return { user_id: userId, role, source, created_at: existing.created_at };
    if (existing) {
      await s.trx
        .updateTable(table(k))
        .set({ role })
        .where(key(k), '=', parentId)
        .where('user_id', '=', userId)
        .where('source', '=', source)
        .execute();
    } else {
      await s.trx
        .insertInto(table(k))
        .values({ [key(k)]: parentId, user_id: userId, role, source, created_at: s.now } as {
          team_id: string;
          user_id: string;
          role: string;
          source: string;
          created_at: string;
        })
        .execute();
    }
    await s.audit({
      action: existing ? `${k.noun}.member_role_changed` : `${k.noun}.member_added`,
      targetType: k.noun,
      targetId: parentId,
      before: existing ? { user_id: userId, role: existing.role, source } : undefined,
      after: { user_id: userId, role, source },
    });
    s.changed({ kind: 'user', id: userId });
    if (k.noun === 'team') s.changed({ kind: 'team', id: parentId });
    return { user_id: userId, role, source, created_at: existing?.created_at ?? s.now };
  }

  async function drop(
    s: WriteScope,
    k: Kind<string>,
    parentId: string,
    userId: string,
    { source }: { source: string },
  ): Promise<void> {
    const gone = await s.trx
      .deleteFrom(table(k))
      .where(key(k), '=', parentId)
      .where('user_id', '=', userId)
      .where('source', '=', source)
      .returning(['role'])
      .executeTakeFirst();
    if (!gone) throw notFound('membership', `${parentId}/${userId}/${source}`);
    await s.audit({
      action: `${k.noun}.member_removed`,
      targetType: k.noun,
      targetId: parentId,
      before: { user_id: userId, role: gone.role, source },
    });
    s.changed({ kind: 'user', id: userId });
    if (k.noun === 'team') s.changed({ kind: 'team', id: parentId });
  }

  async function members<R extends string>(
    k: Kind<R>,
    parentId: string,
  ): Promise<MemberSummary<R>[]> {
    await k.requireParent(db, parentId);
    const rows = await db
      .selectFrom(`${table(k)} as m`)
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.email', 'm.role', 'm.source', 'm.created_at'])
      .where(`m.${key(k)}`, '=', parentId)
      .orderBy('m.created_at')
      .orderBy('m.user_id')
      .execute();
    return summarise<R>(rows, k.strongest);
  }

  async function listUserTeams(userId: string): Promise<UserTeam[]> {
    return db
      .selectFrom('team_memberships as m')
      .innerJoin('teams as t', 't.id', 'm.team_id')
      .select(['m.team_id', 't.name', 'm.role', 'm.source'])
      .where('m.user_id', '=', userId)
      .orderBy('t.name')
      .execute();
  }

  return {
    addTeamMember: (s, teamId, userId, role, opts) => put(s, TEAM, teamId, userId, role, opts),
    removeTeamMember: (s, teamId, userId, opts) => drop(s, TEAM, teamId, userId, opts),
    listTeamMembers: (teamId) => members(TEAM, teamId),
    listUserTeams,
    addOrgMember: (s, orgId, userId, role, opts) => put(s, ORG, orgId, userId, role, opts),
    removeOrgMember: (s, orgId, userId, opts) => drop(s, ORG, orgId, userId, opts),
    listOrgMembers: (orgId) => members(ORG, orgId),
  };
}
