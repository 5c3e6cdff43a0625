import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { cookiePolicy, installAuthRoutes } from './access/auth.routes.js';
import { authenticator } from './access/authenticate.js';
import { localLogin } from './access/local-login.js';
import { sessionStore } from './access/sessions.js';
import { auditRoutes } from './api/audit.routes.js';
import type { ApiServices } from './api/deps.js';
import { keyRoutes } from './api/keys.routes.js';
import { meRoutes } from './api/me.routes.js';
import { organizationRoutes } from './api/organizations.routes.js';
import { roleMappingRoutes } from './api/role-mapping.routes.js';
import { scimAdminRoutes } from './api/scim.routes.js';
import { API_SURFACE, type DeclaredRoute, managementApi } from './api/surface.js';
import { teamRoutes } from './api/teams.routes.js';
import { userRoutes } from './api/users.routes.js';
import { durationMs } from './config/duration.js';
import type { ConnectionConfig } from './config/schema.js';
import type { GatehouseConfig } from './config/types.js';
import type { Db } from './db/connect.js';
import { OPENAI_ERRORS } from './errors/render.js';
import { installModelRoutes } from './gateway/models.js';
import { type BackgroundGroupSync, backgroundGroupSync } from './groupsync/background.js';
import {
  type ClosableGraphClient,
  type GraphClientOptions,
  microsoftGraphClient,
} from './groupsync/microsoft-graph.js';
import { surfaceRegistry } from './http/errors.js';
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
import { effectiveMapping } from './provisioning/mapping.js';
import { signInService } from './provisioning/signin.js';
import type { SignInService } from './provisioning/types.js';
import { SCIM_PREFIX, SCIM_SURFACE, type ScimModule, scimModule } from './scim/module.js';

export interface AppDeps {
  config: GatehouseConfig;
  /** Migrated database; the caller owns it and closes it after the app. */
  db: Db;
  logger?: FastifyServerOptions['logger'];
  now?: () => Date;
  changes?: ChangeBus;
  /** Microsoft Graph client settings (tests shorten waits); defaults are production values. */
  graphOptions?: GraphClientOptions;
  /**
   * How often the key cache reads the change feed when no notification came (a lost
   * notification, another instance's write). Default 1 s.
   */
  feedPollMs?: number;
}

/** Every service the app composes, for the CLI (bootstrap) and tests. */
export interface AppServices extends ApiServices {
  keyCache: KeyCache;
  signIn: SignInService;
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
}

/** Entries older than this leave the change feed; a cache further behind reloads whole. */
const FEED_RETENTION_MS = 24 * 3_600_000;
const FEED_PRUNE_EVERY_MS = 10 * 60_000;

/** The gateway's and the API's redaction list: no credential reaches a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.key',
  '*.secret',
  '*.token',
  '*.client_secret',
];

/** Composition root: builds one independent Gatehouse from its dependencies; no module state. */
export async function buildApp(deps: AppDeps): Promise<Gatehouse> {
  const { config } = deps;
  const now = deps.now ?? (() => new Date());
  const changes = deps.changes ?? localChangeBus();
  const trust = config.trustProxy;
  const surfaces = surfaceRegistry(API_SURFACE);
  const app = Fastify({
    logger: deps.logger ?? {
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    bodyLimit: 1024 * 1024,
    // Ids of up to 200 characters work in paths; longer ones get the surface's 414.
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: surfaces.frameworkErrors,
    // A hop count n means: believe the n nearest proxies.
    trustProxy: typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('access', null);
  await app.register(cookie);
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
  const services: AppServices = { ctx, ...directory, sessions, keyCache, signIn, scim };
  const auth = authenticator({ masterKey: config.masterKey, keys: keyCache, sessions, now });

  installMetrics(app);
  installHealth(app, deps.db);
  installModelRoutes(app, {
    models: config.models,
    auth,
    keys: keyCache,
    startedAt: Math.floor(now().getTime() / 1000),
  });
  installAuthRoutes(app, {
    login: localLogin(ctx, sessions, config.auth.local_login),
    sessions,
    cookies: cookiePolicy(config),
    ctx,
  });
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
        scimAdminRoutes(scim),
      ],
      { services, auth },
      routes,
    ),
    { prefix: '/api/v1' },
  );
  surfaces.add(SCIM_SURFACE);
  await app.register(scim.plugin, { prefix: SCIM_PREFIX });
  // One Graph client (and connection pool) per connection that has Graph access.
  const graphClients = new Map<string, ClosableGraphClient>();
  const graphFor = (c: ConnectionConfig) => {
    if (!c.microsoft_graph) return null;
    let client = graphClients.get(c.id);
    if (!client) {
      client = microsoftGraphClient(c.microsoft_graph, deps.graphOptions);
      graphClients.set(c.id, client);
    }
    return client;
  };
  const groupSync = backgroundGroupSync({
    identities: directory.identities,
    signIn,
    groupSync: config.groupSync,
    connections: config.sso.connections,
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

  app.addHook('onClose', async () => {
    clearInterval(poll);
    clearInterval(prune);
    await scim.stop();
    await groupSync.stop();
    await Promise.all([...graphClients.values()].map((c) => c.close()));
  });
  return { app, services, routes, groupSync };
}
