import type { SessionStore } from '../access/sessions.js';
import type { KeyCache } from '../keys/cache.js';
import { keysService } from '../keys/keys.js';
import type { ServiceContext } from './context.js';
import { membershipsService } from './memberships.js';
import { organizationsService } from './organizations.js';
import { teamsService } from './teams.js';
import { usersService } from './users.js';

/** The identity core: the only code that changes users, teams, orgs, memberships and keys. */
export function buildServices(ctx: ServiceContext, keyCache: KeyCache, sessions: SessionStore) {
  return {
    ctx,
    users: usersService(ctx),
    teams: teamsService(ctx),
    organizations: organizationsService(ctx),
    memberships: membershipsService(ctx),
    keys: keysService(ctx),
    keyCache,
    sessions,
  };
}

export type Services = ReturnType<typeof buildServices>;
