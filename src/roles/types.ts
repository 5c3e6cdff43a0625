import type { GlobalRole, OrgRole, TeamRole } from '../config/roles.js';

/** A group as an IdP reports it: Entra gives object ids (names via Graph), Okta gives names. */
export interface GroupRef {
  id: string | null;
  name: string | null;
}

/** Verified facts about a person, from a validated token, userinfo, SAML assertion or Graph. */
export interface IdentityFacts {
  connection: string | null;
  groups: readonly GroupRef[];
  claims: Readonly<Record<string, unknown>>;
  /** Values of the roles claim (Entra app roles). */
  roles: readonly string[];
}

export interface Grants {
  role?: GlobalRole;
  organization?: string;
  org_role?: OrgRole;
  team?: string;
  team_role?: TeamRole;
}

/** One reason the resolver gave something: which rule, and what in the facts matched it. */
export interface Match {
  /** Index into `rules`, or `app_role` for a role taken straight from the roles claim. */
  rule: number | 'app_role';
  matched: string;
  grants: Grants;
}

export interface Resolution {
  role: GlobalRole;
  /** What decided the role: a rule, an app role, or nothing (the default). */
  decided_by: 'rule' | 'app_role' | 'default';
  /** Every match, not just the winner, in rule order: the explanation shown to admins. */
  matched: Match[];
  organizations: { organization: string; role: OrgRole }[];
  teams: { team: string; role: TeamRole }[];
}
