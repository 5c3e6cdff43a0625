import type {
  AuthConfig,
  ConnectionConfig,
  DefaultTeamParams,
  DefaultUserParams,
  GroupSyncConfig,
  ModelEntry,
  RoleMappingConfig,
  ScimConfig,
} from './schema.js';

/** The validated, resolved configuration every module receives. Nothing else reads the environment. */
export interface GatehouseConfig {
  /** Absolute path of the file it came from, if any. */
  file: string | undefined;
  port: number;
  /** External base URL without a trailing slash; used in redirect and ACS URLs. */
  publicUrl: string;
  /** `postgres://…` or `file:/path.db` (also `:memory:` in tests). */
  databaseUrl: string;
  redisUrl: string | undefined;
  secret: string | undefined;
  logLevel: string;
  /**
   * Which proxies' X-Forwarded-For to believe for the client address (audit IPs, login
   * throttling): false (default), true, a hop count, or a list of addresses/CIDRs.
   */
  trustProxy: boolean | number | string[];
  masterKey: string | undefined;
  models: ModelEntry[];
  defaultTeamParams: DefaultTeamParams;
  defaultUserParams: DefaultUserParams;
  sso: { connections: ConnectionConfig[] };
  /** Undefined when the file does not set it: then the database (UI/API) holds it. */
  roleMapping: RoleMappingConfig | undefined;
  groupSync: GroupSyncConfig | undefined;
  auth: AuthConfig;
  /** SCIM rate limit and activity-log retention (defaults when the file has no `scim`). */
  scim: ScimConfig;
}
