import type { Kysely } from 'kysely';
import type { GlobalRole, TeamRole } from '../config/roles.js';
import type { Database } from '../db/schema.js';
import type { Principal } from './principal.js';

/** The caller with what scoping needs: their teams (with role) and the orgs they administer. */
export interface Subject {
  principal: Principal;
  role: GlobalRole | null;
  userId: string | null;
  teams: ReadonlyMap<string, TeamRole>;
  adminOrgs: ReadonlySet<string>;
}

export async function loadSubject(db: Kysely<Database>, principal: Principal): Promise<Subject> {
  const teams = new Map<string, TeamRole>();
  const adminOrgs = new Set<string>();
  const userId = principal.userId;
  if (userId && principal.role !== 'proxy_admin') {
    const memberships = await db
      .selectFrom('team_memberships')
      .select(['team_id', 'role'])
      .where('user_id', '=', userId)
      .execute();
    for (const m of memberships) {
      // A person in a team through several sources holds the strongest of their roles.
      if (m.role === 'admin' || !teams.has(m.team_id)) teams.set(m.team_id, m.role as TeamRole);
    }
    // Org-admin rights need both the global role and the org membership role.
    if (principal.role === 'org_admin') {
      const orgs = await db
        .selectFrom('org_memberships')
        .select('organization_id')
        .where('user_id', '=', userId)
        .where('role', '=', 'org_admin')
        .execute();
      for (const o of orgs) adminOrgs.add(o.organization_id);
    }
  }
  return { principal, role: principal.role, userId, teams, adminOrgs };
}

export const teamIdsWhere = (s: Subject, admin: boolean): string[] =>
  [...s.teams].filter(([, r]) => !admin || r === 'admin').map(([id]) => id);
