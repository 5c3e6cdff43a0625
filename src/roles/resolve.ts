import { type Pattern, patternOf } from '../config/pattern.js';
import {
  GLOBAL_ROLES,
  type GlobalRole,
  type OrgRole,
  parseGlobalRole,
  type TeamRole,
} from '../config/roles.js';
import type { RoleMappingConfig, RoleRuleConfig } from '../config/schema.js';
import type { GroupRef, IdentityFacts, Match, Resolution } from './types.js';

/** Default precedence: most privileged first (DESIGN.md). */
export const DEFAULT_PRECEDENCE: readonly GlobalRole[] = GLOBAL_ROLES;

export const DEFAULT_MAPPING: RoleMappingConfig = {
  default_role: 'internal_user_viewer',
  rules: [],
  app_roles: true,
};

/** Listed roles first in their order, then the rest in the default order. */
export function precedenceOf(mapping: RoleMappingConfig): GlobalRole[] {
  const listed = mapping.precedence ?? [];
  return [...listed, ...DEFAULT_PRECEDENCE.filter((r) => !listed.includes(r))];
}

function claimValue(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let node: unknown = claims;
  for (const part of path.split('.')) {
    if (
      node === null ||
      typeof node !== 'object' ||
      Array.isArray(node) ||
      !Object.hasOwn(node, part)
    )
      return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const scalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Every value of the claim that satisfies the rule, sorted, so results do not depend on claim order. */
function claimMatches(rule: RoleRuleConfig, claims: Readonly<Record<string, unknown>>): string[] {
  if (rule.claim === undefined) return [];
  const value = claimValue(claims, rule.claim);
  const values = (Array.isArray(value) ? value : [value]).filter(scalar).map(String);
  let hits: string[] = [];
  if (rule.equals !== undefined) {
    const want = String(rule.equals);
    hits = values.filter((v) => v === want);
  } else if (rule.contains !== undefined) {
    const want = rule.contains;
    // For a list claim "contains" means "has this element"; for a string, "has this substring".
    hits = Array.isArray(value)
      ? values.filter((v) => v === want)
      : values.filter((v) => v.includes(want));
  }
  return [...new Set(hits)].sort();
}

function groupLabels(g: GroupRef): string[] {
  return [g.id, g.name].filter((x): x is string => typeof x === 'string' && x.length > 0);
}

function groupMatches(
  rule: RoleRuleConfig,
  groups: readonly GroupRef[],
  compiled: Pattern | null,
): string[] {
  const hits = new Set<string>();
  for (const g of groups) {
    for (const label of groupLabels(g)) {
      if (rule.group !== undefined && label === rule.group) hits.add(label);
      if (compiled?.test(label)) hits.add(label);
    }
  }
  return [...hits].sort();
}

/** Code-point order, independent of locale. */
const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

const ORG_RANK: Record<OrgRole, number> = { org_admin: 2, member: 1 };
const TEAM_RANK: Record<TeamRole, number> = { admin: 2, member: 1 };

/**
 * The role resolver: a pure function of the mapping and the verified facts. Every rule is
 * evaluated; the precedence list alone decides between the roles that matched, so the result
 * never depends on the order of groups, claims or roles in the token. No match gives the
 * default role. The explanation lists every match.
 */
export function resolveRole(mapping: RoleMappingConfig, facts: IdentityFacts): Resolution {
  const matched: Match[] = [];
  mapping.rules.forEach((rule, index) => {
    if (rule.connection !== undefined && rule.connection !== facts.connection) return;
    const regex = rule.group_regex !== undefined ? patternOf(rule.group_regex) : null;
    const hits =
      rule.claim !== undefined
        ? claimMatches(rule, facts.claims)
        : groupMatches(rule, facts.groups, regex);
    if (hits.length === 0) return;
    const grants: Match['grants'] = {};
    if (rule.role) grants.role = rule.role;
    if (rule.organization) {
      grants.organization = rule.organization;
      grants.org_role = rule.org_role ?? 'member';
    }
    if (rule.team) {
      grants.team = rule.team;
      grants.team_role = rule.team_role ?? 'member';
    }
    const what = rule.claim !== undefined ? `claim ${rule.claim}=` : 'group ';
    matched.push({ rule: index, matched: hits.map((h) => what + h).join(', '), grants });
  });

  if (mapping.app_roles) {
    const appRoles = [
      ...new Set(facts.roles.map(parseGlobalRole).filter((r): r is GlobalRole => r !== null)),
    ].sort();
    for (const role of appRoles)
      matched.push({ rule: 'app_role', matched: `app role ${role}`, grants: { role } });
  }

  const order = precedenceOf(mapping);
  const rank = (r: GlobalRole) => order.indexOf(r);
  let winner: Match | undefined;
  for (const m of matched) {
    const r = m.grants.role;
    if (r === undefined) continue;
    const current = winner?.grants.role;
    if (current === undefined || rank(r) < rank(current)) winner = m;
  }

  const organizations = new Map<string, OrgRole>();
  const teams = new Map<string, TeamRole>();
  for (const { grants: g } of matched) {
    if (g.organization && g.org_role) {
      const prev = organizations.get(g.organization);
      if (!prev || ORG_RANK[g.org_role] > ORG_RANK[prev])
        organizations.set(g.organization, g.org_role);
    }
    if (g.team && g.team_role) {
      const prev = teams.get(g.team);
      if (!prev || TEAM_RANK[g.team_role] > TEAM_RANK[prev]) teams.set(g.team, g.team_role);
    }
  }

  return {
    role: winner?.grants.role ?? mapping.default_role,
    decided_by: winner === undefined ? 'default' : winner.rule === 'app_role' ? 'app_role' : 'rule',
    matched,
    organizations: [...organizations]
      .sort(byKey)
      .map(([organization, role]) => ({ organization, role })),
    teams: [...teams].sort(byKey).map(([team, role]) => ({ team, role })),
  };
}
