import type { OrgRole, TeamRole } from '../config/roles.js';
import type { GroupSyncConfig } from '../config/schema.js';
import type { MembershipsService } from '../identity/memberships.js';
import type { TeamsService } from '../identity/teams.js';
import type { WriteScope } from '../identity/write.js';

/** The directory operations reconcile needs, and nothing else. */
export interface ReconcileServices {
  teams: Pick<TeamsService, 'create' | 'update'>;
  memberships: Pick<
    MembershipsService,
    'addTeamMember' | 'removeTeamMember' | 'addOrgMember' | 'removeOrgMember'
  >;
}

/** An IdP group in sync scope. Entra: object id + display name. Okta: name only. */
export interface SyncGroup {
  id: string | null;
  /** Null when only the id is known (Entra without Graph): syncs to an existing team only. */
  name: string | null;
}

export interface ReconcileInput {
  userId: string;
  /** `sso:<connection>` or `scim:<token>`: the only memberships this run may add or remove. */
  source: string;
  groups: readonly SyncGroup[];
  /** False when the group list may be partial (Graph failed): then nothing is added or removed. */
  complete: boolean;
  /** Team roles granted by role-mapping rules (team id or name). */
  ruleTeams: readonly { team: string; role: TeamRole }[];
  ruleOrganizations: readonly { organization: string; role: OrgRole }[];
  policy: Required<Pick<GroupSyncConfig, 'create_teams' | 'remove_memberships'>>;
}

export interface ReconcileResult {
  teams: { team_id: string; name: string; role: TeamRole }[];
  created: string[];
  renamed: { team_id: string; from: string; to: string }[];
  added: string[];
  removed: string[];
  skipped: string[];
}

const TEAM_RANK: Record<TeamRole, number> = { admin: 2, member: 1 };

/**
 * Finds the team for a group: by id / external id first (Entra ids, or an id SCIM recorded),
 * then — for name-only IdPs — by name, preferring a team some directory created. The same team
 * results whether SCIM or SSO saw the group first.
 */
async function findTeam(s: WriteScope, g: SyncGroup) {
  if (g.id) {
    const byId = await s.trx
      .selectFrom('teams')
      .select(['id', 'name', 'external_id'])
      .where((eb) => eb.or([eb('id', '=', g.id ?? ''), eb('external_id', '=', g.id ?? '')]))
      .orderBy('created_at')
      .executeTakeFirst();
    return byId;
  }
  const byName = await s.trx
    .selectFrom('teams')
    .select(['id', 'name', 'external_id', 'source', 'created_at'])
    .where('name', '=', g.name)
    .orderBy('created_at')
    .execute();
  return (
    byName.find((t) => t.source.startsWith('sso:') || t.source.startsWith('scim:')) ?? byName[0]
  );
}

async function findTeamByRef(s: WriteScope, ref: string) {
  const byId = await s.trx
    .selectFrom('teams')
    .select(['id', 'name'])
    .where('id', '=', ref)
    .executeTakeFirst();
  if (byId) return byId;
  return s.trx
    .selectFrom('teams')
    .select(['id', 'name'])
    .where('name', '=', ref)
    .orderBy('created_at')
    .executeTakeFirst();
}

async function findOrgByRef(s: WriteScope, ref: string) {
  const byId = await s.trx
    .selectFrom('organizations')
    .select(['id'])
    .where('id', '=', ref)
    .executeTakeFirst();
  return (
    byId ??
    s.trx.selectFrom('organizations').select(['id']).where('name', '=', ref).executeTakeFirst()
  );
}

/**
 * Makes the memberships of one source match the IdP: teams are created (with
 * default_team_params, through the one team service) and renamed as needed, memberships of
 * this source added and removed. Memberships of other sources (manual, SCIM) are never touched.
 */
export async function reconcileMemberships(
  services: ReconcileServices,
  s: WriteScope,
  input: ReconcileInput,
): Promise<ReconcileResult> {
  const result: ReconcileResult = {
    teams: [],
    created: [],
    renamed: [],
    added: [],
    removed: [],
    skipped: [],
  };
  const desired = new Map<string, { name: string; role: TeamRole }>();

  for (const g of input.groups) {
    let team = await findTeam(s, g);
    if (!team) {
      if (!input.complete || !input.policy.create_teams || g.name === null) {
        const why = !input.complete
          ? 'groups incomplete'
          : g.name === null
            ? 'name unknown'
            : 'create_teams is off';
        result.skipped.push(`group ${g.id ?? g.name}: no team (${why})`);
        continue;
      }
      const created = await services.teams.create(s, {
        ...(g.id ? { id: g.id, external_id: g.id } : {}),
        name: g.name,
        source: input.source,
      });
      team = { id: created.id, name: created.name, external_id: created.external_id };
      result.created.push(created.id);
    } else if (input.complete && g.id && g.name && team.name !== g.name) {
      // The IdP renamed the group; its id is what identifies it.
      await services.teams.update(s, team.id, { name: g.name });
      result.renamed.push({ team_id: team.id, from: team.name, to: g.name });
      team = { ...team, name: g.name };
    }
    if (!desired.has(team.id)) desired.set(team.id, { name: team.name, role: 'member' });
  }

  for (const r of input.ruleTeams) {
    const team = await findTeamByRef(s, r.team);
    if (!team) {
      result.skipped.push(`rule team ${r.team}: no such team`);
      continue;
    }
    const prev = desired.get(team.id);
    if (!prev || TEAM_RANK[r.role] > TEAM_RANK[prev.role])
      desired.set(team.id, { name: team.name, role: r.role });
  }

  const current = await s.trx
    .selectFrom('team_memberships')
    .select(['team_id', 'role'])
    .where('user_id', '=', input.userId)
    .where('source', '=', input.source)
    .execute();
  const currentRole = new Map(current.map((m) => [m.team_id, m.role as TeamRole]));

  if (input.complete) {
    for (const [teamId, want] of desired) {
      if (currentRole.get(teamId) === want.role) continue;
      await services.memberships.addTeamMember(s, teamId, input.userId, want.role, {
        source: input.source,
        mode: 'upsert',
      });
      if (!currentRole.has(teamId)) result.added.push(teamId);
    }
    if (input.policy.remove_memberships) {
      for (const teamId of currentRole.keys()) {
        if (desired.has(teamId)) continue;
        await services.memberships.removeTeamMember(s, teamId, input.userId, {
          source: input.source,
        });
        result.removed.push(teamId);
      }
    }
    await reconcileOrganizations(services, s, input, result.skipped);
  }

  const finalRows = await s.trx
    .selectFrom('team_memberships as m')
    .innerJoin('teams as t', 't.id', 'm.team_id')
    .select(['m.team_id', 't.name', 'm.role'])
    .where('m.user_id', '=', input.userId)
    .where('m.source', '=', input.source)
    .orderBy('t.name')
    .execute();
  result.teams = finalRows.map((r) => ({
    team_id: r.team_id,
    name: r.name,
    role: r.role as TeamRole,
  }));
  return result;
}

async function reconcileOrganizations(
  services: ReconcileServices,
  s: WriteScope,
  input: ReconcileInput,
  skipped: string[],
) {
  const desired = new Map<string, OrgRole>();
  for (const g of input.ruleOrganizations) {
    const org = await findOrgByRef(s, g.organization);
    if (org) desired.set(org.id, g.role);
    else skipped.push(`rule organization ${g.organization}: no such organization`);
  }
  const current = await s.trx
    .selectFrom('org_memberships')
    .select(['organization_id', 'role'])
    .where('user_id', '=', input.userId)
    .where('source', '=', input.source)
    .execute();
  const have = new Map(current.map((m) => [m.organization_id, m.role]));
  for (const [orgId, role] of desired) {
    if (have.get(orgId) !== role) {
      await services.memberships.addOrgMember(s, orgId, input.userId, role, {
        source: input.source,
        mode: 'upsert',
      });
    }
  }
  if (input.policy.remove_memberships) {
    for (const orgId of have.keys()) {
      if (!desired.has(orgId))
        await services.memberships.removeOrgMember(s, orgId, input.userId, {
          source: input.source,
        });
    }
  }
}
