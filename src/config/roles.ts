/** Global roles, LiteLLM's names. Order here is the default precedence, most privileged first. */
export const GLOBAL_ROLES = [
  'proxy_admin',
  'org_admin',
  'proxy_admin_viewer',
  'internal_user',
  'internal_user_viewer',
] as const;
export type GlobalRole = (typeof GLOBAL_ROLES)[number];

export const TEAM_ROLES = ['admin', 'member'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export const ORG_ROLES = ['org_admin', 'member'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/** IdP values arrive in any case ("Proxy_Admin"); LiteLLM matches them case-insensitively. */
export function parseGlobalRole(value: string): GlobalRole | null {
  const v = value.trim().toLowerCase();
  return (GLOBAL_ROLES as readonly string[]).includes(v) ? (v as GlobalRole) : null;
}
