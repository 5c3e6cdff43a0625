import type { GlobalRole } from '../config/roles.js';

/**
 * The permission matrix: for each action, which global role may perform it, and over what.
 *
 * Scopes:
 * - `all`          every object
 * - `org`          objects inside an organization where the caller is an org admin
 * - `team_admin`   objects of a team where the caller has the team role `admin`
 * - `team_member`  objects of a team the caller belongs to
 * - `own`          the caller's own user record or own keys
 *
 * This table is the single source of truth: the guard enforces it and docs/access-control.md
 * presents it. An action missing for a role is denied.
 */
export const ACTIONS = [
  'me:read',
  'me:sessions',
  'users:read',
  'users:create',
  'users:update',
  'users:delete',
  'users:set_password',
  'teams:read',
  'teams:create',
  'teams:update',
  'teams:delete',
  'team_members:read',
  'team_members:write',
  'organizations:read',
  'organizations:create',
  'organizations:update',
  'organizations:delete',
  'org_members:read',
  'org_members:write',
  'keys:read',
  'keys:create',
  'keys:update',
  'keys:delete',
  'audit:read',
  'spend:read',
  'role_mapping:read',
  'role_mapping:write',
  'role_mapping:preview',
  'sso_connections:read',
  'sso_connections:write',
  'scim_tokens:read',
  'scim_tokens:write',
] as const;
export type Action = (typeof ACTIONS)[number];

export const SCOPES = ['all', 'org', 'team_admin', 'team_member', 'own'] as const;
export type Scope = (typeof SCOPES)[number];

type Row = Partial<Record<GlobalRole, readonly Scope[]>>;

const ALL = ['all'] as const;
const SELF = ['own'] as const;
const everyone = (scopes: readonly Scope[]): Row => ({
  proxy_admin: ALL,
  proxy_admin_viewer: scopes,
  org_admin: scopes,
  internal_user: scopes,
  internal_user_viewer: scopes,
});

export const MATRIX: Record<Action, Row> = {
  'me:read': everyone(SELF),
  'me:sessions': everyone(SELF),

  'users:read': {
    proxy_admin: ALL,
    proxy_admin_viewer: ALL,
    org_admin: ['org', 'own'],
    internal_user: SELF,
    internal_user_viewer: SELF,
  },
  'users:create': { proxy_admin: ALL, org_admin: ['org'] },
  'users:update': { proxy_admin: ALL, org_admin: ['org'] },
  'users:delete': { proxy_admin: ALL, org_admin: ['org'] },
  'users:set_password': { proxy_admin: ALL },

  'teams:read': {
    proxy_admin: ALL,
    proxy_admin_viewer: ALL,
    org_admin: ['org', 'team_member'],
    internal_user: ['team_member'],
    internal_user_viewer: ['team_member'],
  },
  'teams:create': { proxy_admin: ALL, org_admin: ['org'] },
  'teams:update': { proxy_admin: ALL, org_admin: ['org'] },
  'teams:delete': { proxy_admin: ALL, org_admin: ['org'] },
  'team_members:read': {
    proxy_admin: ALL,
    proxy_admin_viewer: ALL,
    org_admin: ['org', 'team_member'],
    internal_user: ['team_member'],
    internal_user_viewer: ['team_member'],
  },
  'team_members:write': {
    proxy_admin: ALL,
    org_admin: ['org', 'team_admin'],
    internal_user: ['team_admin'],
  },

  'organizations:read': { proxy_admin: ALL, proxy_admin_viewer: ALL, org_admin: ['org'] },
  'organizations:create': { proxy_admin: ALL },
  'organizations:update': { proxy_admin: ALL },
  'organizations:delete': { proxy_admin: ALL },
  'org_members:read': { proxy_admin: ALL, proxy_admin_viewer: ALL, org_admin: ['org'] },
  'org_members:write': { proxy_admin: ALL, org_admin: ['org'] },

  'keys:read': {
    proxy_admin: ALL,
    proxy_admin_viewer: ALL,
    org_admin: ['org', 'team_admin', 'own'],
    internal_user: ['team_admin', 'own'],
    internal_user_viewer: SELF,
  },
  'keys:create': {
    proxy_admin: ALL,
    proxy_admin_viewer: SELF,
    org_admin: ['org', 'team_admin', 'own'],
    internal_user: ['team_admin', 'own'],
  },
  'keys:update': {
    proxy_admin: ALL,
    proxy_admin_viewer: SELF,
    org_admin: ['org', 'team_admin', 'own'],
    internal_user: ['team_admin', 'own'],
  },
  'keys:delete': {
    proxy_admin: ALL,
    proxy_admin_viewer: SELF,
    org_admin: ['org', 'team_admin', 'own'],
    internal_user: ['team_admin', 'own'],
  },

  'audit:read': { proxy_admin: ALL, proxy_admin_viewer: ALL },
  'spend:read': {
    proxy_admin: ALL,
    proxy_admin_viewer: ALL,
    org_admin: ['org'],
    internal_user: ['team_admin', 'own'],
    internal_user_viewer: SELF,
  },
  'role_mapping:read': { proxy_admin: ALL, proxy_admin_viewer: ALL },
  'role_mapping:write': { proxy_admin: ALL },
  'role_mapping:preview': { proxy_admin: ALL, proxy_admin_viewer: ALL },
  'sso_connections:read': { proxy_admin: ALL, proxy_admin_viewer: ALL },
  'sso_connections:write': { proxy_admin: ALL },
  // SCIM tokens are directory-wide credentials: only proxy admins make and revoke them.
  'scim_tokens:read': { proxy_admin: ALL, proxy_admin_viewer: ALL },
  'scim_tokens:write': { proxy_admin: ALL },
};

/**
 * A caller without a role is a key that belongs to nobody: it may still ask who it is (the
 * `me:*` actions, which every role has as `own`), and nothing else.
 */
export function scopesFor(role: GlobalRole | null, action: Action): readonly Scope[] {
  if (role === null) return action.startsWith('me:') ? SELF : [];
  return MATRIX[action][role] ?? [];
}

/**
 * Roles a caller may hand out (create a user with, or change a user to). Nobody can grant a
 * role above their own; org admins hand out only the two user roles.
 */
export function assignableRoles(role: GlobalRole | null): readonly GlobalRole[] {
  switch (role) {
    case 'proxy_admin':
      return [
        'proxy_admin',
        'org_admin',
        'proxy_admin_viewer',
        'internal_user',
        'internal_user_viewer',
      ];
    case 'org_admin':
      return ['internal_user', 'internal_user_viewer'];
    default:
      return [];
  }
}

/**
 * Whose keys a caller may create or manage besides their own (a key acts with its owner's
 * role). Team admins and org admins: only ordinary users.
 */
export function delegableOwnerRoles(role: GlobalRole | null): readonly GlobalRole[] {
  switch (role) {
    case 'proxy_admin':
      return assignableRoles(role);
    case 'org_admin':
    case 'internal_user':
      return ['internal_user', 'internal_user_viewer'];
    default:
      return [];
  }
}
