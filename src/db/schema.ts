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
   * under a key derived from the cookie secret (migration 009).
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

/**
 * One row per user SCIM has written: the SCIM User attributes without a column on `users`
 * (name parts beyond given/family, emails, phoneNumbers, addresses, …, the enterprise
 * extension under its URN), as a JSON object.
 */
export interface ScimUserAttributesTable {
  user_id: string;
  attributes: string;
  updated_at: string;
}

/** One row per gateway request (migration 008). */
export interface SpendLogsTable {
  id: string;
  request_id: string;
  created_at: string;
  key_id: string | null;
  user_id: string | null;
  team_id: string | null;
  organization_id: string | null;
  operation: string;
  model: string;
  deployment: string | null;
  provider: string | null;
  upstream_model: string | null;
  stream: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  usage_estimated: number;
  cost: number;
  latency_ms: number;
  /** success | error | aborted */
  status: string;
  http_status: number;
  error_code: string | null;
}

/** Connections made through the management API (migration 009). */
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

/** A SCIM client's credential: only the SHA-256 of the secret is stored. */
export interface ScimTokensTable {
  id: string;
  /** The directory the token provisions for: its own id, or the id of the token it rotates. */
  directory_id: string;
  name: string;
  token_hash: string;
  token_preview: string;
  created_by: string | null;
  created_at: string;
  /** Written at most once a minute. */
  last_used_at: string | null;
  revoked_at: string | null;
}

/** One SCIM request, for the activity log (bounded retention). */
export interface ScimRequestsTable {
  id: Generated<number>;
  at: string;
  token_id: string | null;
  method: string;
  path: string;
  status: number;
  error_code: string | null;
  error: string | null;
  duration_ms: number;
  request_id: string | null;
  ignored: string | null; // JSON string[]
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
  sso_login_states: SsoLoginStatesTable;
  scim_user_attributes: ScimUserAttributesTable;
  saml_requests: SamlRequestsTable;
  saml_assertions: SamlAssertionsTable;
  spend_logs: SpendLogsTable;
  sso_connections: SsoConnectionsTable;
  scim_tokens: ScimTokensTable;
  scim_requests: ScimRequestsTable;
}

/** An AuthnRequest a browser's login is waiting on: single use, bound to connection and browser. */
export interface SamlRequestsTable {
  id: string;
  connection_id: string;
  /** SHA-256 of the browser binding value (a cookie secret), never the value itself. */
  binding_hash: string;
  created_at: string;
  expires_at: string;
}

/** An assertion id already used to sign in, kept until the assertion could no longer be valid. */
export interface SamlAssertionsTable {
  connection_id: string;
  assertion_id: string;
  expires_at: string;
}
