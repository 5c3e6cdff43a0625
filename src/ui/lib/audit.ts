/**
 * The audit API filters by actor, action and target; time is filtered here, on the pages
 * loaded so far (newest first), and tells the page whether older pages could still match.
 */
export interface TimeRange {
  from: string | null;
  to: string | null;
}

export function inRange(at: string, r: TimeRange): boolean {
  const t = Date.parse(at);
  if (r.from && t < Date.parse(r.from)) return false;
  if (r.to && t > Date.parse(r.to)) return false;
  return true;
}

/** Newest-first events: once the oldest loaded one is before `from`, no older page can match. */
export function olderCanMatch(oldestLoaded: string | undefined, r: TimeRange): boolean {
  if (!r.from || oldestLoaded === undefined) return true;
  return Date.parse(oldestLoaded) >= Date.parse(r.from);
}

/** Pages fetched automatically per search while looking for events inside the range. */
export const AUTO_PAGES = 10;

export const AUDIT_ACTIONS = [
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.logout',
  'auth.session_revoked',
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  'user.password_set',
  'user.password_cleared',
  'user.identity_linked',
  'user.role_changed',
  'team.created',
  'team.updated',
  'team.deleted',
  'team.member_added',
  'team.member_role_changed',
  'team.member_removed',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'organization.member_added',
  'organization.member_role_changed',
  'organization.member_removed',
  'key.created',
  'key.updated',
  'key.blocked',
  'key.unblocked',
  'key.deleted',
  'settings.role_mapping_updated',
  'groupsync.user_synced',
] as const;

export const TARGET_TYPES = ['user', 'team', 'organization', 'key', 'session', 'setting'] as const;
