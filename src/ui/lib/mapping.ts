import type { PreviewRequest, RoleMapping, RoleRule, UserDetail } from '../api/types.js';
import type { ErrorDetail } from './errors.js';
import { GLOBAL_ROLES, type GlobalRole, permissionSummary } from './permissions.js';

/** One rule as the editor's fields hold it: every field a string, empty meaning "not set". */
export interface RuleDraft {
  match: 'group' | 'group_regex' | 'claim';
  value: string;
  claimOp: 'equals' | 'contains';
  claimValue: string;
  connection: string;
  role: GlobalRole | '';
  organization: string;
  orgRole: 'org_admin' | 'member';
  team: string;
  teamRole: 'admin' | 'member';
}

export interface MappingDraft {
  rules: RuleDraft[];
  defaultRole: GlobalRole;
  appRoles: boolean;
  /** null: the built-in order (no `precedence` key is sent). */
  precedence: GlobalRole[] | null;
}

export function emptyRule(): RuleDraft {
  return {
    match: 'group',
    value: '',
    claimOp: 'equals',
    claimValue: '',
    connection: '',
    role: '',
    organization: '',
    orgRole: 'member',
    team: '',
    teamRole: 'member',
  };
}

export function ruleToDraft(r: RoleRule): RuleDraft {
  const match =
    r.claim !== undefined ? 'claim' : r.group_regex !== undefined ? 'group_regex' : 'group';
  return {
    match,
    value: r.claim ?? r.group_regex ?? r.group ?? '',
    claimOp: r.contains !== undefined ? 'contains' : 'equals',
    claimValue: String(r.contains ?? r.equals ?? ''),
    connection: r.connection ?? '',
    role: r.role ?? '',
    organization: r.organization ?? '',
    orgRole: r.org_role ?? 'member',
    team: r.team ?? '',
    teamRole: r.team_role ?? 'member',
  };
}

/** The rule the API stores; the server validates it (and says which rule is wrong). */
export function draftToRule(d: RuleDraft): RoleRule {
  const r: RoleRule = {};
  const value = d.value.trim();
  if (d.match === 'group') r.group = value;
  else if (d.match === 'group_regex') r.group_regex = value;
  else {
    r.claim = value;
    if (d.claimOp === 'equals') r.equals = d.claimValue;
    else r.contains = d.claimValue;
  }
  if (d.connection.trim()) r.connection = d.connection.trim();
  if (d.role) r.role = d.role;
  if (d.organization.trim()) {
    r.organization = d.organization.trim();
    r.org_role = d.orgRole;
  }
  if (d.team.trim()) {
    r.team = d.team.trim();
    r.team_role = d.teamRole;
  }
  return r;
}

export function mappingToDraft(m: RoleMapping): MappingDraft {
  return {
    rules: m.rules.map(ruleToDraft),
    defaultRole: m.default_role,
    appRoles: m.app_roles,
    precedence: m.precedence ? completePrecedence(m.precedence) : null,
  };
}

export function draftToMapping(d: MappingDraft): RoleMapping {
  return {
    ...(d.precedence ? { precedence: d.precedence } : {}),
    default_role: d.defaultRole,
    rules: d.rules.map(draftToRule),
    app_roles: d.appRoles,
  };
}

/** Roles missing from a stored precedence rank after it in the built-in order, as the server does. */
export function completePrecedence(list: readonly GlobalRole[]): GlobalRole[] {
  return [...list, ...GLOBAL_ROLES.filter((r) => !list.includes(r))];
}

/** Moves one entry up (-1) or down (+1); out-of-range moves change nothing. */
export function move<T>(list: readonly T[], index: number, delta: -1 | 1): T[] {
  const to = index + delta;
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return [...list];
  const out = [...list];
  const [item] = out.splice(index, 1);
  if (item !== undefined) out.splice(to, 0, item);
  return out;
}

/** Server validation problems per rule (`rules[3]…` → 3), and the rest. */
export function problemsByRule(details: readonly ErrorDetail[]): {
  rules: Map<number, string[]>;
  other: string[];
} {
  const rules = new Map<number, string[]>();
  const other: string[] = [];
  for (const d of details) {
    const m = /^rules\[(\d+)\]/.exec(d.path ?? '');
    if (m?.[1] !== undefined) {
      const i = Number(m[1]);
      rules.set(i, [...(rules.get(i) ?? []), d.message]);
    } else other.push(d.path ? `${d.path}: ${d.message}` : d.message);
  }
  return { rules, other };
}

export function describeMatch(r: RoleRule): string {
  const where = r.connection ? ` (connection ${r.connection})` : '';
  if (r.claim !== undefined) {
    return r.contains !== undefined
      ? `claim ${r.claim} contains "${r.contains}"${where}`
      : `claim ${r.claim} = "${String(r.equals)}"${where}`;
  }
  if (r.group_regex !== undefined) return `group matching /${r.group_regex}/${where}`;
  return `group ${r.group ?? ''}${where}`;
}

export function describeGrants(r: RoleRule): string {
  const parts: string[] = [];
  if (r.role) parts.push(`role ${r.role}`);
  if (r.organization) parts.push(`${r.org_role ?? 'member'} of organization ${r.organization}`);
  if (r.team) parts.push(`${r.team_role ?? 'member'} of team ${r.team}`);
  return parts.join('; ');
}

export interface TableRow {
  when: string;
  grants: string;
  role: GlobalRole | null;
  permissions: string[];
}

/**
 * The document seed 000 asks for: IdP group (or claim, or app role) → Gatehouse role →
 * effective permissions, in rule order, then app roles, then the default.
 */
export function mappingTable(m: RoleMapping): TableRow[] {
  const rows: TableRow[] = m.rules.map((r) => ({
    when: describeMatch(r),
    grants: describeGrants(r),
    role: r.role ?? null,
    permissions: r.role ? permissionSummary(r.role) : [],
  }));
  if (m.app_roles) {
    for (const role of GLOBAL_ROLES) {
      rows.push({
        when: `app role ${role} in the roles claim`,
        grants: `role ${role}`,
        role,
        permissions: permissionSummary(role),
      });
    }
  }
  rows.push({
    when: 'no rule or app role grants a role',
    grants: `default role ${m.default_role}`,
    role: m.default_role,
    permissions: permissionSummary(m.default_role),
  });
  return rows;
}

/**
 * "Pick a user": the facts the API shows about a person — the connection they came from, the
 * groups behind their IdP team memberships, and what the last sign-in's explanation matched —
 * as a preview request, so an admin can see what the current mapping would make of them.
 */
export function factsFromUser(u: UserDetail): PreviewRequest {
  const groups = new Set<string>();
  const roles = new Set<string>();
  const claims: Record<string, unknown> = {};
  let connection = u.source.startsWith('sso:') ? u.source.slice(4) : '';
  for (const t of u.teams) {
    if (!t.source.startsWith('sso:') && !t.source.startsWith('scim:')) continue;
    groups.add(t.name);
    if (!connection && t.source.startsWith('sso:')) connection = t.source.slice(4);
  }
  for (const m of u.role_explanation?.matched ?? []) {
    for (const part of m.matched.split(', ')) {
      if (part.startsWith('group ')) groups.add(part.slice(6));
      else if (part.startsWith('app role ')) roles.add(part.slice(9));
      else if (part.startsWith('claim ')) {
        const eq = part.indexOf('=');
        if (eq > 6) {
          const k = part.slice(6, eq);
          const v = part.slice(eq + 1);
          const prev = claims[k];
          claims[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
        }
      }
    }
  }
  return {
    ...(connection ? { connection } : {}),
    groups: [...groups],
    roles: [...roles],
    claims,
  };
}
