import type { OrgRole, TeamRole } from '../access/roles.js';
import { conflict, notFound } from '../errors/catalogue.js';
import { type Actor, type ServiceContext, type WriteScope, write } from './context.js';
import { requireOrgRow } from './organizations.js';
import { requireTeamRow } from './teams.js';

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

export function membershipsService(ctx: ServiceContext) {
  const db = ctx.db.kysely;

  /**
   * `create` refuses an existing membership (409), `update` refuses a missing one (404),
   * `upsert` (for sync) accepts both. Memberships are per source: see the file comment.
   */
  async function addTeamMember(
    teamId: string,
    userId: string,
    role: TeamRole,
    source: string,
    actor: Actor,
    scope?: WriteScope,
    mode: PutMode = 'create',
  ): Promise<Membership<TeamRole>> {
    const run = async (s: WriteScope) => {
      await requireTeamRow(s.trx, teamId);
      await requireUser(s, userId);
      const existing = await s.trx
        .selectFrom('team_memberships')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('user_id', '=', userId)
        .where('source', '=', source)
        .executeTakeFirst();
      if (existing && mode === 'create') {
        throw conflict(
          `user '${userId}' is already a member of team '${teamId}' (source ${source})`,
        );
      }
      if (!existing && mode === 'update')
        throw notFound('membership', `${teamId}/${userId}/${source}`);
      if (existing?.role === role)
        return { user_id: userId, role, source, created_at: existing.created_at };
      if (existing) {
        await s.trx
          .updateTable('team_memberships')
          .set({ role })
          .where('team_id', '=', teamId)
          .where('user_id', '=', userId)
          .where('source', '=', source)
          .execute();
      } else {
        await s.trx
          .insertInto('team_memberships')
          .values({ team_id: teamId, user_id: userId, role, source, created_at: s.now })
          .execute();
      }
      await s.audit({
        action: existing ? 'team.member_role_changed' : 'team.member_added',
        targetType: 'team',
        targetId: teamId,
        before: existing ? { user_id: userId, role: existing.role, source } : undefined,
        after: { user_id: userId, role, source },
      });
      s.changed({ kind: 'user', id: userId });
      s.changed({ kind: 'team', id: teamId });
      return { user_id: userId, role, source, created_at: existing?.created_at ?? s.now };
    };
    return scope ? run(scope) : write(ctx, actor, run);
  }

  async function removeTeamMember(
    teamId: string,
    userId: string,
    source: string,
    actor: Actor,
    scope?: WriteScope,
  ): Promise<void> {
    const run = async (s: WriteScope) => {
      const gone = await s.trx
        .deleteFrom('team_memberships')
        .where('team_id', '=', teamId)
        .where('user_id', '=', userId)
        .where('source', '=', source)
        .returning(['role'])
        .executeTakeFirst();
      if (!gone) throw notFound('membership', `${teamId}/${userId}/${source}`);
      await s.audit({
        action: 'team.member_removed',
        targetType: 'team',
        targetId: teamId,
        before: { user_id: userId, role: gone.role, source },
      });
      s.changed({ kind: 'user', id: userId });
      s.changed({ kind: 'team', id: teamId });
    };
    return scope ? run(scope) : write(ctx, actor, run);
  }

  async function listTeamMembers(teamId: string): Promise<MemberSummary<TeamRole>[]> {
    await requireTeamRow(db, teamId);
    const rows = await db
      .selectFrom('team_memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.email', 'm.role', 'm.source', 'm.created_at'])
      .where('m.team_id', '=', teamId)
      .orderBy('m.created_at')
      .orderBy('m.user_id')
      .execute();
    return summarise<TeamRole>(rows, 'admin');
  }

  async function listUserTeams(userId: string) {
    return db
      .selectFrom('team_memberships as m')
      .innerJoin('teams as t', 't.id', 'm.team_id')
      .select(['m.team_id', 't.name', 'm.role', 'm.source'])
      .where('m.user_id', '=', userId)
      .orderBy('t.name')
      .execute();
  }

  async function addOrgMember(
    orgId: string,
    userId: string,
    role: OrgRole,
    source: string,
    actor: Actor,
    scope?: WriteScope,
    mode: PutMode = 'create',
  ): Promise<Membership<OrgRole>> {
    const run = async (s: WriteScope) => {
      await requireOrgRow(s.trx, orgId);
      await requireUser(s, userId);
      const existing = await s.trx
        .selectFrom('org_memberships')
        .selectAll()
        .where('organization_id', '=', orgId)
        .where('user_id', '=', userId)
        .where('source', '=', source)
        .executeTakeFirst();
      if (existing && mode === 'create') {
        throw conflict(
          `user '${userId}' is already a member of organization '${orgId}' (source ${source})`,
        );
      }
      if (!existing && mode === 'update')
        throw notFound('membership', `${orgId}/${userId}/${source}`);
      if (existing?.role === role)
        return { user_id: userId, role, source, created_at: existing.created_at };
      if (existing) {
        await s.trx
          .updateTable('org_memberships')
          .set({ role })
          .where('organization_id', '=', orgId)
          .where('user_id', '=', userId)
          .where('source', '=', source)
          .execute();
      } else {
        await s.trx
          .insertInto('org_memberships')
          .values({ organization_id: orgId, user_id: userId, role, source, created_at: s.now })
          .execute();
      }
      await s.audit({
        action: existing ? 'organization.member_role_changed' : 'organization.member_added',
        targetType: 'organization',
        targetId: orgId,
        before: existing ? { user_id: userId, role: existing.role, source } : undefined,
        after: { user_id: userId, role, source },
      });
      s.changed({ kind: 'user', id: userId });
      return { user_id: userId, role, source, created_at: existing?.created_at ?? s.now };
    };
    return scope ? run(scope) : write(ctx, actor, run);
  }

  async function removeOrgMember(
    orgId: string,
    userId: string,
    source: string,
    actor: Actor,
    scope?: WriteScope,
  ): Promise<void> {
    const run = async (s: WriteScope) => {
      const gone = await s.trx
        .deleteFrom('org_memberships')
        .where('organization_id', '=', orgId)
        .where('user_id', '=', userId)
        .where('source', '=', source)
        .returning(['role'])
        .executeTakeFirst();
      if (!gone) throw notFound('membership', `${orgId}/${userId}/${source}`);
      await s.audit({
        action: 'organization.member_removed',
        targetType: 'organization',
        targetId: orgId,
        before: { user_id: userId, role: gone.role, source },
      });
      s.changed({ kind: 'user', id: userId });
    };
    await (scope ? run(scope) : write(ctx, actor, run));
  }

  async function listOrgMembers(orgId: string): Promise<MemberSummary<OrgRole>[]> {
    await requireOrgRow(db, orgId);
    const rows = await db
      .selectFrom('org_memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.email', 'm.role', 'm.source', 'm.created_at'])
      .where('m.organization_id', '=', orgId)
      .orderBy('m.created_at')
      .orderBy('m.user_id')
      .execute();
    return summarise<OrgRole>(rows, 'org_admin');
  }

  return {
    addTeamMember,
    removeTeamMember,
    listTeamMembers,
    listUserTeams,
    addOrgMember,
    removeOrgMember,
    listOrgMembers,
  };
}

export type MembershipsService = ReturnType<typeof membershipsService>;
