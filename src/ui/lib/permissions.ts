import { type Action, MATRIX, type Scope, scopesFor } from '../../access/matrix.js';
import { GLOBAL_ROLES, type GlobalRole } from '../../config/roles.js';

export type { Action, GlobalRole, Scope };
export { GLOBAL_ROLES };

/**
 * What the UI knows about the signed-in person, enough to hide controls the API would refuse.
 * The API remains the judge: this only keeps a viewer from seeing buttons they cannot use.
 */
export interface Viewer {
  role: GlobalRole | null;
  userId: string | null;
  /** Teams where the person has the team role admin / any membership. */
  adminTeams: ReadonlySet<string>;
  memberTeams: ReadonlySet<string>;
  /** Organizations the person administers (org admins), when known. */
  adminOrgs: ReadonlySet<string>;
}

/** The object an action is about; fields left out are unknown (the list was already filtered). */
export interface ObjectRef {
  ownerId?: string | null;
  teamId?: string | null;
  organizationId?: string | null;
}

export const ROLE_LABELS: Record<GlobalRole, string> = {
  proxy_admin: 'Proxy admin',
  org_admin: 'Organization admin',
  proxy_admin_viewer: 'Proxy admin viewer',
  internal_user: 'Internal user',
  internal_user_viewer: 'Internal user viewer',
};

/** Whether the role has the action anywhere at all: decides whether a page or button exists. */
export function can(role: GlobalRole | null, action: Action): boolean {
  return scopesFor(role, action).length > 0;
}

function scopeCovers(v: Viewer, scope: Scope, o: ObjectRef): boolean {
  switch (scope) {
    case 'all':
      return true;
    case 'own':
      return o.ownerId !== undefined && o.ownerId !== null && o.ownerId === v.userId;
    case 'team_admin':
      return typeof o.teamId === 'string' && v.adminTeams.has(o.teamId);
    case 'team_member':
      return typeof o.teamId === 'string' && v.memberTeams.has(o.teamId);
    case 'org':
      // Unknown organization: the API listed the object to this org admin, so it is in reach.
      return (
        o.organizationId === undefined || (!!o.organizationId && v.adminOrgs.has(o.organizationId))
      );
  }
}

/**
 * The scope the caller would act under on this object, broadest first as the matrix lists
 * them, or null when none applies. `own` alone means owner-only powers (e.g. block, not unblock).
 */
export function scopeOn(v: Viewer, action: Action, o: ObjectRef): Scope | null {
  for (const s of scopesFor(v.role, action)) if (scopeCovers(v, s, o)) return s;
  return null;
}

export function canOn(v: Viewer, action: Action, o: ObjectRef): boolean {
  return scopeOn(v, action, o) !== null;
}

const RESOURCE_LABELS: Record<string, string> = {
  me: 'own profile',
  users: 'users',
  teams: 'teams',
  team_members: 'team members',
  organizations: 'organizations',
  org_members: 'organization members',
  keys: 'keys',
  audit: 'audit log',
  role_mapping: 'role mapping',
};

const SCOPE_LABELS: Record<Scope, string> = {
  all: 'all',
  org: 'own organizations',
  team_admin: 'teams they admin',
  team_member: 'own teams',
  own: 'own',
};

/**
 * A role's effective permissions in words, one line per resource ("keys: read, create, update,
 * delete (own)"), read from the same matrix the server enforces: the printable mapping table.
 */
export function permissionSummary(role: GlobalRole): string[] {
  const byResource = new Map<string, Map<string, string[]>>();
  for (const action of Object.keys(MATRIX) as Action[]) {
    const scopes = MATRIX[action][role];
    if (!scopes || scopes.length === 0) continue;
    const [resource = action, verb = ''] = action.split(':');
    if (resource === 'me') continue;
    const scopeText = scopes.map((s) => SCOPE_LABELS[s]).join(', ');
    const verbs = byResource.get(resource) ?? new Map<string, string[]>();
    verbs.set(scopeText, [...(verbs.get(scopeText) ?? []), verb.replace('_', ' ')]);
    byResource.set(resource, verbs);
  }
  const lines: string[] = [];
  for (const [resource, verbs] of byResource) {
    const parts = [...verbs].map(([scope, vs]) => `${vs.join(', ')} (${scope})`);
    lines.push(`${RESOURCE_LABELS[resource] ?? resource}: ${parts.join('; ')}`);
  }
  return lines;
}
