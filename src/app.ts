import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { cookiePolicy, installAuthRoutes } from './access/auth.routes.js';
import { authenticator } from './access/authenticate.js';
import type { CheckSlots } from './access/check-slots.js';
import { localLogin } from './access/local-login.js';
import { hashPassword, type ScryptParams } from './access/passwords.js';
import { sessionStore } from './access/sessions.js';
import { auditRoutes } from './api/audit.routes.js';
import type { ApiServices } from './api/deps.js';
import { keyRoutes } from './api/keys.routes.js';
import { meRoutes } from './api/me.routes.js';
import { organizationRoutes } from './api/organizations.routes.js';
import { roleMappingRoutes } from './api/role-mapping.routes.js';
import { scimAdminRoutes } from './api/scim.routes.js';
import { spendRoutes } from './api/spend.routes.js';
import { ssoConnectionRoutes } from './api/sso-connections.routes.js';
import { API_SURFACE, type DeclaredRoute, managementApi } from './api/surface.js';
import { teamRoutes } from './api/teams.routes.js';
import { userRoutes } from './api/users.routes.js';
import { durationMs } from './config/duration.js';
import type { ConnectionConfig } from './config/schema.js';
import { secretBox } from './config/secret-box.js';
import type { GatehouseConfig } from './config/types.js';
import type { Db } from './db/connect.js';
import { OPENAI_ERRORS } from './errors/render.js';
import { type GatewayHandle, type GatewayOptions, installGateway } from './gateway/index.js';
import { type BackgroundGroupSync, backgroundGroupSync } from './groupsync/background.js';
import { entraGroups } from './groupsync/entra.js';
import {
  type ClosableGraphClient,
  type GraphClientOptions,
  microsoftGraphClient,
} from './groupsync/microsoft-graph.js';
import { surfaceRegistry } from './http/errors.js';
import { frontDoor } from './http/front-door.js';
import { loggerOptions, traceBodies } from './http/logging.js';
import { requestId } from './http/request-id.js';
import { installUi } from './http/ui.js';
import { type ChangeBus, localChangeBus, pruneFeed } from './identity/changes.js';
import { identitiesService } from './identity/identities.js';
import { membershipsService } from './identity/memberships.js';
import { organizationsService } from './identity/organizations.js';
import { teamsService } from './identity/teams.js';
import { usersService } from './identity/users.js';
import type { ServiceContext } from './identity/write.js';
import { KeyCache } from './keys/cache.js';
import { keysService } from './keys/keys.js';
import { installHealth } from './ops/health.js';
import { installMetrics } from './ops/metrics.js';
import { type ConnectionRegistry, connectionRegistry } from './provisioning/connections.js';
import { effectiveMapping } from './provisioning/mapping.js';
import { signInService } from './provisioning/signin.js';
import type { SignInService } from './provisioning/types.js';
import { SCIM_PREFIX, SCIM_SURFACE, type ScimModule, scimModule } from './scim/module.js';
import { ssoModule } from './sso/module.js';
import type { EntraGroupLookup } from './sso/oidc/claims.js';
import type { RelyingPartyOptions } from './sso/oidc/relying-party.js';
import { SSO_SURFACE } from './sso/surface.js';

export interface AppDeps {
  config: GatehouseConfig;
  /** Migrated database; the caller owns it and closes it after the app. */
  db: Db;
  /** Replaces the whole logger configuration; prefer `logStream`, which keeps it. */
  logger?: FastifyServerOptions['logger'];
  /** Where log lines go (default stdout), with the real level, redaction and serializers. */
  logStream?: { write(line: string): void };
  now?: () => Date;
  changes?: ChangeBus;
  /** Microsoft Graph client settings (tests shorten waits); defaults are production values. */
  graphOptions?: GraphClientOptions;
  /**
   * How often the key cache reads the change feed when no notification came (a lost
   * notification, another instance's write). Default 1 s.
   */
  feedPollMs?: number;
  /** The built admin SPA served at /ui/ (default: the package's dist/ui). */
  uiRoot?: string;
  /** The cost of new password hashes; only tests that are not about it pass a lower one. */
  scrypt?: ScryptParams;
  /** How many break-glass password checks run at once and wait (tests); default 2 and 16. */
  passwordChecks?: CheckSlots;
  /** Gateway randomness, waits and spend write interval (tests); defaults are production values. */
  gatewayOptions?: GatewayOptions;
  /** OIDC relying-party settings (tests shorten timeouts); defaults are production values. */
  rpOptions?: RelyingPartyOptions;
}

/** Every service the app composes, for the CLI (bootstrap) and tests. */
export interface AppServices extends ApiServices {
  keyCache: KeyCache;
  signIn: SignInService;
  /** SSO connections of the config file, the environment and the database. */
  connections: ConnectionRegistry;
  /** SCIM tokens, the SCIM activity log and its pruning. */
  scim: ScimModule;
}

export interface Gatehouse {
  app: FastifyInstance;
  services: AppServices;
  /** Every management route with the action it declared (the access-control test walks these). */
  routes: readonly DeclaredRoute[];
  /** Background Entra group sync (started when `group_sync.background_interval` is set). */
  groupSync: BackgroundGroupSync;
  /** The /v1 gateway: in-memory governance and the spend writer. */
  gateway: GatewayHandle;
}

/** Entries older than this leave the change feed; a cache further behind reloads whole. */
const FEED_RETENTION_MS = 24 * 3_600_000;
const FEED_PRUNE_EVERY_MS = 10 * 60_000;
/** Sign-ins abandoned half-way leave login states behind; they are swept this often. */
const LOGIN_STATE_PURGE_EVERY_MS = 10 * 60_000;

/** Composition root: builds one independent Gatehouse from its dependencies; no module state. */
export async function buildApp(deps: AppDeps): Promise<Gatehouse> {
  const { config } = deps;
  const now = deps.now ?? (() => new Date());
  const changes = deps.changes ?? localChangeBus();
  const trust = config.trustProxy;
  const surfaces = surfaceRegistry(API_SURFACE);
  const front = frontDoor();
  const app = Fastify({
    logger: deps.logger ?? loggerOptions(config.logLevel, deps.logStream),
    bodyLimit: 1024 * 1024,
    // Ids of up to 200 characters work in paths; longer ones get the surface's 414.
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: surfaces.frameworkErrors,
    // A hop count n means: believe the n nearest proxies.
    trustProxy: typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust,
    genReqId: (req) => requestId(req.headers),
    serverFactory: front.serverFactory,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('access', null);
  await app.register(cookie);
  traceBodies(app, config.logLevel);
  surfaces.install(app);
  surfaces.add({
    name: 'openai',
    prefixes: ['/v1/', '/chat/', '/embeddings', '/models', '/completions'],
    ...OPENAI_ERRORS,
  });

  const keyCache = new KeyCache(deps.db);
  await keyCache.loadAll();
  changes.subscribe(keyCache.onChanges);
  const sessions = sessionStore(
    deps.db.kysely,
    {
      idleMs: durationMs(config.auth.session_idle_timeout) ?? 8 * 3_600_000,
      absoluteMs: durationMs(config.auth.session_absolute_timeout) ?? 24 * 3_600_000,
    },
    now,
  );
  const ctx: ServiceContext = { db: deps.db, config, changes, now, log: app.log };
  const directory = {
    users: usersService(ctx),
    teams: teamsService(ctx),
    organizations: organizationsService(ctx),
    memberships: membershipsService(ctx),
    identities: identitiesService(ctx),
    keys: keysService(ctx),
  };
  const signIn = signInService({
    ctx,
    ...directory,
    mapping: () => effectiveMapping(ctx),
    groupSync: config.groupSync,
  });
  const scim = scimModule({
    ctx,
    users: directory.users,
    teams: directory.teams,
    config: config.scim,
    publicUrl: config.publicUrl,
  });
  const connections = connectionRegistry({
    db: deps.db.kysely,
    configured: config.sso.connections,
    fromEnvironment: new Set(config.sso.fromEnvironment),
    box: config.secret ? secretBox(config.secret) : null,
    log: app.log,
  });
  try {
    await connections.checkSecrets();
  } catch (e) {
    await app.close();
    throw e;
  }
  const services: AppServices = {
    ctx,
    ...directory,
    sessions,
    keyCache,
    signIn,
    connections,
    scim,
    hashPassword: (password) => hashPassword(password, deps.scrypt),
  };
  const auth = authenticator({ masterKey: config.masterKey, keys: keyCache, sessions, now });

  // One Graph client (and connection pool) per connection that has Graph access, replaced when
  // the connection's Graph settings change.
  const graphClients = new Map<string, { settings: string; client: ClosableGraphClient }>();
  const graphFor = (c: ConnectionConfig) => {
    if (!c.microsoft_graph) return null;
    const settings = JSON.stringify(c.microsoft_graph);
    const held = graphClients.get(c.id);
    if (held?.settings === settings) return held.client;
    held?.client
      .close()
      .catch((err: unknown) => app.log.warn({ err }, 'Graph client close failed'));
    const client = microsoftGraphClient(c.microsoft_graph, deps.graphOptions);
    graphClients.set(c.id, { settings, client });
    return client;
  };
  const entraGroupsFor = (c: ConnectionConfig): EntraGroupLookup | null => {
    const graph = c.microsoft_graph;
    if (!graph) return null;
    return (q) =>
      entraGroups(graphFor(c), {
        oid: q.objectId,
        tokenGroupIds: q.tokenGroupIds,
        servicePrincipalId: graph.service_principal_id,
        needAssigned: config.groupSync?.scope === 'assigned_to_app',
      });
  };

  const sso = ssoModule({
    config,
    db: deps.db,
    now,
    log: app.log,
    connections,
    signIn,
    sessions,
    cookies: cookiePolicy(config),
    entraGroupsFor,
    rpOptions: deps.rpOptions,
  });

  const registry = installMetrics(app);
  installHealth(app, deps.db);
  await installUi(app, deps.uiRoot ? { root: deps.uiRoot } : {});
  const gateway = await installGateway(app, {
    config,
    auth,
    keys: keyCache,
    db: deps.db,
    registry,
    now,
    startedAt: Math.floor(now().getTime() / 1000),
    front,
    ...(deps.gatewayOptions ? { options: deps.gatewayOptions } : {}),
  });
  installAuthRoutes(app, {
    login: localLogin(ctx, sessions, config.auth.local_login, {
      users: directory.users,
      scrypt: deps.scrypt,
      checks: deps.passwordChecks,
    }),
    sessions,
    cookies: cookiePolicy(config),
    ctx,
    idpLogoutUrl: sso.idpLogoutUrl,
  });
  surfaces.add(SSO_SURFACE);
  await app.register(sso.plugin, { prefix: '/sso' });
  const routes: DeclaredRoute[] = [];
  surfaces.add(API_SURFACE);
  await app.register(
    managementApi(
      [
        meRoutes,
        userRoutes,
        teamRoutes,
        organizationRoutes,
        keyRoutes,
        auditRoutes,
        roleMappingRoutes,
        spendRoutes,
        ssoConnectionRoutes({ registry: connections, ...sso.admin }),
        scimAdminRoutes(scim),
      ],
      { services, auth },
      routes,
    ),
    { prefix: '/api/v1' },
  );
  surfaces.add(SCIM_SURFACE);
  await app.register(scim.plugin, { prefix: SCIM_PREFIX });
  const groupSync = backgroundGroupSync({
    identities: directory.identities,
    signIn,
    groupSync: config.groupSync,
    connections: async () => (await connections.list()).map((c) => c.config),
    graphFor,
    log: app.log,
  });
  const interval = config.groupSync?.background_interval;
  if (interval) groupSync.start(durationMs(interval) ?? 15 * 60_000);

  const poll = setInterval(() => {
    keyCache.catchUp().catch((err: unknown) => app.log.error({ err }, 'key cache catch-up failed'));
  }, deps.feedPollMs ?? 1_000);
  poll.unref();
  const prune = setInterval(() => {
    pruneFeed(deps.db.kysely, new Date(now().getTime() - FEED_RETENTION_MS).toISOString()).catch(
      (err: unknown) => app.log.error({ err }, 'change feed pruning failed'),
    );
  }, FEED_PRUNE_EVERY_MS);
  prune.unref();
  const purge = setInterval(() => {
    sso.loginStates
      .purgeExpired()
      .catch((err: unknown) => app.log.error({ err }, 'login state purge failed'));
  }, LOGIN_STATE_PURGE_EVERY_MS);
  purge.unref();

  app.addHook('onClose', async () => {
    clearInterval(poll);
    clearInterval(prune);
    clearInterval(purge);
    await scim.stop();
    await groupSync.stop();
    await Promise.all([...graphClients.values()].map((c) => c.client.close()));
  });
  return { app, services, routes, groupSync, gateway };
}
