import type { GlobalRole } from '../lib/permissions.js';

/** Shapes of the management API's answers, as docs/api.md describes them. */

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface Budget {
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  spend: number;
  models: string[];
}

export interface Limits {
  rpm_limit: number | null;
  tpm_limit: number | null;
}

export interface RoleMatch {
  rule: number | 'app_role';
  matched: string;
  grants: Record<string, string>;
}

export interface RoleExplanation {
  role: GlobalRole;
  decided_by: 'rule' | 'app_role' | 'default';
  matched: RoleMatch[];
  teams?: { team: string; role: string }[];
  organizations?: { organization: string; role: string }[];
  pinned?: boolean;
  groups_complete?: boolean;
  at?: string;
}

export interface User extends Budget, Limits {
  id: string;
  email: string | null;
  user_name: string | null;
  display_name: string | null;
  given_name: string | null;
  family_name: string | null;
  role: GlobalRole;
  role_source: 'default' | 'manual' | 'idp';
  role_explanation: RoleExplanation | null;
  active: boolean;
  source: string;
  external_id: string | null;
  has_password: boolean;
  created_at: string;
  updated_at: string;
  deactivated_at: string | null;
}

export interface Membership {
  team_id: string;
  name: string;
  role: 'admin' | 'member';
  source: string;
}

export interface UserDetail extends User {
  teams: Membership[];
}

export interface Me {
  principal: 'master_key' | 'api_key' | 'session';
  key_id: string | null;
  session_id: string | null;
  role: GlobalRole | null;
  user: User | null;
  teams: Membership[];
}

export interface Session {
  id: string;
  method: string;
  created_at: string;
  last_seen_at: string | null;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  current: boolean;
}

export interface Team extends Budget, Limits {
  id: string;
  name: string;
  organization_id: string | null;
  source: string;
  external_id: string | null;
  blocked: boolean;
  created_at: string;
  updated_at: string;
}

export interface MemberSource {
  source: string;
  role: string;
  created_at: string;
}

export interface Member {
  user_id: string;
  email: string | null;
  role: string;
  sources: MemberSource[];
}

export interface Organization extends Budget {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface Key extends Budget, Limits {
  id: string;
  key_preview: string;
  name: string | null;
  user_id: string | null;
  team_id: string | null;
  expires_at: string | null;
  blocked: boolean;
  blocked_reason: string | null;
  purpose: 'inference' | 'read_only' | 'management';
  created_by: string;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
}

export interface CreatedKey extends Key {
  key: string;
}

export interface AuditEvent {
  id: number;
  at: string;
  actor: { type: string; id: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  before: unknown;
  after: unknown;
  ip: string | null;
  request_id: string | null;
}

export interface RoleRule {
  group?: string;
  group_regex?: string;
  claim?: string;
  equals?: string | number | boolean;
  contains?: string;
  connection?: string;
  role?: GlobalRole;
  organization?: string;
  org_role?: 'org_admin' | 'member';
  team?: string;
  team_role?: 'admin' | 'member';
}

export interface RoleMapping {
  precedence?: GlobalRole[];
  default_role: GlobalRole;
  rules: RoleRule[];
  app_roles: boolean;
}

export interface RoleMappingState extends RoleMapping {
  source: 'config' | 'database' | 'default';
  read_only: boolean;
}

export interface PreviewRequest {
  connection?: string;
  groups: string[];
  roles: string[];
  claims: Record<string, unknown>;
}

export interface PreviewResult {
  role: GlobalRole;
  decided_by: 'rule' | 'app_role' | 'default';
  teams: { team: string; id: string | null; role: string; via: 'group' | 'rule' }[];
  organizations: { organization: string; role: string }[];
  matched: (RoleMatch & { rule_definition: RoleRule | null })[];
}

export interface SsoConnection {
  id: string;
  display_name: string;
  type: string;
  login_url: string;
}

export interface LoginAnswer {
  user: { id: string; user_name: string | null; email: string | null; role: GlobalRole };
  csrf_token: string;
  session: { id: string; expires_at: string };
}

/** A connection as the management API answers it: the config keys plus read-only fields. */
export interface AdminConnection extends Record<string, unknown> {
  id: string;
  type: 'oidc' | 'saml';
  display_name?: string;
  enabled?: boolean;
  email_domains: string[];
  source: 'config' | 'environment' | 'database';
  read_only: boolean;
  login_url: string;
}

export interface ConnectionCheck {
  check: string;
  status: 'ok' | 'warning' | 'error';
  message: string;
}

export interface ConnectionTest {
  connection: string;
  status: ConnectionCheck['status'];
  checks: ConnectionCheck[];
}

export interface ScimToken {
  id: string;
  name: string;
  directory_id: string;
  token_preview: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface CreatedScimToken {
  id: string;
  name: string;
  token: string;
}

export interface ScimActivity {
  id: string;
  at: string;
  token_id: string | null;
  method: string;
  path: string;
  status: number;
  error: { code: string; detail: string } | null;
  duration_ms: number;
  request_id: string | null;
  ignored: boolean;
}

export interface SpendSums {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost: number;
}

export interface SpendTotals extends SpendSums {
  by_day: (SpendSums & { day: string })[];
  by_model: (SpendSums & { model: string })[];
}
