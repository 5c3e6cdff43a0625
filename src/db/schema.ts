import type { Generated } from 'kysely';

/**
 * Row types shared by both dialects. Portable column choices: timestamps are ISO-8601 UTC text
 * (fixed width, so they sort as text), booleans are 0/1 integers, lists are JSON text, money is
 * double precision. The store modules convert to and from domain objects.
 */
export interface OrganizationsTable {
  id: string;
  name: string;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  spend: number;
  models: string; // JSON string[]
  created_at: string;
  updated_at: string;
}

export interface TeamsTable {
  id: string;
  name: string;
  organization_id: string | null;
  source: string;
  external_id: string | null;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  spend: number;
  models: string;
  rpm_limit: number | null;
  tpm_limit: number | null;
  blocked: number;
  created_at: string;
  updated_at: string;
}

export interface UsersTable {
  id: string;
  email: string | null;
  email_normalized: string | null;
  user_name: string | null;
  user_name_normalized: string | null;
  display_name: string | null;
  given_name: string | null;
  family_name: string | null;
  role: string;
  role_source: string;
  role_explanation: string | null; // JSON
  active: number;
  source: string;
  external_id: string | null;
  password_hash: string | null;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  spend: number;
  models: string;
  rpm_limit: number | null;
  tpm_limit: number | null;
  created_at: string;
  updated_at: string;
  deactivated_at: string | null;
}

export interface IdentitiesTable {
  connection_id: string;
  subject: string;
  user_id: string;
  created_at: string;
  last_login_at: string | null;
  /** JSON {claims, roles} of the last verified sign-in (see migration 003). */
  facts: string | null;
}

export interface TeamMembershipsTable {
  team_id: string;
  user_id: string;
  source: string;
  role: string;
  created_at: string;
}

export interface OrgMembershipsTable {
  organization_id: string;
  user_id: string;
  source: string;
  role: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  key_hash: string;
  key_preview: string;
  name: string | null;
  user_id: string | null;
  team_id: string | null;
  models: string;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  spend: number;
  rpm_limit: number | null;
  tpm_limit: number | null;
  expires_at: string | null;
  blocked: number;
  blocked_reason: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
  /** `inference` | `management` | `read_only` (migration 004). */
  purpose: string;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before: string | null;
  after: string | null;
  ip: string | null;
  request_id: string | null;
  actor_key_id: string | null;
}

export interface SettingsTable {
  key: string;
  value: string; // JSON
  updated_at: string;
  updated_by: string | null;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  method: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
  ip: string | null;
  user_agent: string | null;
  /**
   * SSO sessions whose IdP offers RP-initiated logout: the id_token for `id_token_hint`, sealed
   * under a key derived from the cookie secret (migration 006).
   */
  id_token: string | null;
}

export interface LoginFailuresTable {
  login: string;
  failures: number;
  first_failure_at: string;
  locked_until: string | null;
}

export interface ChangesTable {
  seq: Generated<number>;
  kind: string;
  entity_id: string;
  at: string;
}
/** Sign-ins in progress (migration 005). */
export interface SsoLoginStatesTable {
  handle_hash: string;
  connection_id: string;
  protocol: string;
  /** Sealed JSON (state, nonce, verifier or SAML request id), key derived from the handle. */
  payload: string;
  return_to: string;
  created_at: string;
  expires_at: string;
}

/** Connections made through the management API (migration 006). */
export interface SsoConnectionsTable {
  id: string;
  type: string;
  /** JSON: the connection's settings without its secrets. */
  settings: string;
  /** JSON: secret field path → value sealed with the secret box. */
  secrets: string;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  updated_by: string | null;
}

export interface Database {
  changes: ChangesTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  organizations: OrganizationsTable;
  teams: TeamsTable;
  users: UsersTable;
  identities: IdentitiesTable;
  team_memberships: TeamMembershipsTable;
  org_memberships: OrgMembershipsTable;
  api_keys: ApiKeysTable;
  audit_events: AuditEventsTable;
  settings: SettingsTable;
  // SSO (issue 13), migration 005_sso
  sso_login_states: SsoLoginStatesTable;
  // SSO connections stored through the API (issue 13), migration 006_sso_connections
  sso_connections: SsoConnectionsTable;
}
