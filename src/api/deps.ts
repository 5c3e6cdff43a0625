import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../access/authenticate.js';
import type { SessionStore } from '../access/sessions.js';
import type { IdentitiesService } from '../identity/identities.js';
import type { MembershipsService } from '../identity/memberships.js';
import type { OrganizationsService } from '../identity/organizations.js';
import type { TeamsService } from '../identity/teams.js';
import type { UsersService } from '../identity/users.js';
import type { ServiceContext, WriteScope } from '../identity/write.js';
import type { KeysService } from '../keys/keys.js';

/** The services the management API's routes use, as declared interfaces. */
export interface ApiServices {
  ctx: ServiceContext;
  users: UsersService;
  teams: TeamsService;
  organizations: OrganizationsService;
  memberships: MembershipsService;
  identities: IdentitiesService;
  keys: KeysService;
  sessions: SessionStore;
  /** Hashes a new local password at the configured cost. */
  hashPassword(password: string): Promise<string>;
}

export interface ApiDeps {
  services: ApiServices;
  auth: Authenticator;
  /** Runs a route's changes in one write scope, as the request's actor. */
  write<T>(request: FastifyRequest, fn: (s: WriteScope) => Promise<T>): Promise<T>;
}

export type ApiRoutes = (app: FastifyInstance, deps: ApiDeps) => void;
