import type { GlobalRole } from '../config/roles.js';

/**
 * What a caller may see in a list, as the access guard worked it out: ids per scope the caller
 * holds. `null` in its place means everything. The directory applies it as SQL filters.
 */
export interface Visibility {
  userId: string | null;
  /** Other people's keys are visible only when their owner holds one of these roles. */
  delegableRoles: readonly GlobalRole[];
  memberTeamIds: string[];
  adminTeamIds: string[];
  orgIds: string[];
}
