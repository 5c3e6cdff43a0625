import type { SessionStore } from '../access/sessions.js';
import type { KeyCache } from '../keys/cache.js';
import { keysService } from '../keys/keys.js';
import type { ServiceContext } from './context.js';
import { membershipsService } from './memberships.js';
import { organizationsService } from './organizations.js';
import { signInService } from './signin.js';
import { teamsService } from './teams.js';
import { usersService } from './users.js';

function buildCore(ctx: ServiceContext, keyCache: KeyCache, sessions: SessionStore) {
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

/** The directory services that sign-in and group sync are built on. */
export type CoreServices = ReturnType<typeof buildCore>;

/** The identity core: the only code that changes users, teams, orgs, memberships and keys. */
export function buildServices(ctx: ServiceContext, keyCache: KeyCache, sessions: SessionStore) {
  const core = buildCore(ctx, keyCache, sessions);
  return { ...core, signIn: signInService(core, ctx.config.groupSync) };
}

export type Services = ReturnType<typeof buildServices>;
