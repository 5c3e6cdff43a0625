import type { LiteLlmSsoResult } from './litellm-sso-env.js';
import type {
  AuthConfig,
  ConnectionConfig,
  DefaultTeamParams,
  DefaultUserParams,
  GroupSyncConfig,
  ModelEntry,
  RoleMappingConfig,
  RouterConfig,
  ScimConfig,
} from './schema.js';

/** The validated, resolved configuration every module receives. Nothing else reads the environment. */
export interface GatehouseConfig {
  /** Absolute path of the file it came from, if any. */
  file: string | undefined;
  port: number;
  /** External base URL without a trailing slash; used in redirect and ACS URLs. */
  publicUrl: string;
  /** Whether the public URL was configured (GATEHOUSE_PUBLIC_URL or LiteLLM's PROXY_BASE_URL). */
  publicUrlConfigured: boolean;
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
  /** Retries, timeouts, cooldown and fallbacks between model names (gateway routing). */
  router: RouterConfig;
  defaultTeamParams: DefaultTeamParams;
  defaultUserParams: DefaultUserParams;
  sso: {
    /** The config file's connections, then those built from LiteLLM's environment variables. */
    connections: ConnectionConfig[];
    /** Ids of the connections built from LiteLLM's environment variables. */
    fromEnvironment: string[];
    /** The connection that answers LiteLLM's `/sso/key/generate` and `/sso/callback`. */
    litellmRoutes: LiteLlmSsoResult['litellmRoutes'];
  };
  /** Undefined when the file does not set it: then the database (UI/API) holds it. */
  roleMapping: RoleMappingConfig | undefined;
  groupSync: GroupSyncConfig | undefined;
  auth: AuthConfig;
  /** SCIM rate limit and activity-log retention (defaults when the file has no `scim`). */
  scim: ScimConfig;
}
