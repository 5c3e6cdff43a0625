import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { authenticator } from './access/authenticate.js';
import { localLogin } from './access/local-login.js';
import { cookiePolicy, installAuthRoutes, meRoutes } from './access/routes.js';
import { sessionStore } from './access/sessions.js';
import { durationMs } from './config/duration.js';
import type { ConnectionConfig } from './config/schema.js';
import type { GatehouseConfig } from './config/types.js';
import type { Db } from './db/connect.js';
import { type GatewayHandle, type GatewayOptions, installGateway } from './gateway/index.js';
import { spendRoutes } from './gateway/spend.routes.js';
import { type DeclaredRoute, managementApi } from './http/api.js';
import { installErrorHandling } from './http/errors.js';
import './http/plugin-types.js';
import { type BackgroundGroupSync, backgroundGroupSync } from './groupsync/background.js';
import {
  type ClosableGraphClient,
  type GraphClientOptions,
  microsoftGraphClient,
} from './groupsync/microsoft-graph.js';
import { auditRoutes } from './identity/audit.routes.js';
import { type ChangeBus, localChangeBus } from './identity/changes.js';
import { organizationRoutes } from './identity/organizations.routes.js';
import { buildServices, type Services } from './identity/services.js';
import { teamRoutes } from './identity/teams.routes.js';
import { userRoutes } from './identity/users.routes.js';
import { KeyCache } from './keys/cache.js';
import { keyRoutes } from './keys/routes.js';
import { installHealth } from './ops/health.js';
import { installMetrics } from './ops/metrics.js';
import { roleMappingRoutes } from './roles/routes.js';

export interface AppDeps {
  config: GatehouseConfig;
  /** Migrated database; the caller owns it and closes it after the app. */
  db: Db;
  logger?: FastifyServerOptions['logger'];
  now?: () => Date;
  changes?: ChangeBus;
  /** Microsoft Graph client settings (tests shorten waits); defaults are production values. */
  graphOptions?: GraphClientOptions;
  /** Gateway randomness, waits and spend write interval (tests); defaults are production values. */
  gatewayOptions?: GatewayOptions;
}

export interface Gatehouse {
  app: FastifyInstance;
  services: Services;
  /** Every management route with the action it declared (the access-control test walks these). */
  routes: readonly DeclaredRoute[];
  /** Background Entra group sync (started when `group_sync.background_interval` is set). */
  groupSync: BackgroundGroupSync;
  /** The /v1 gateway: in-memory governance and the spend writer. */
  gateway: GatewayHandle;
}

/** Composition root: builds one independent Gatehouse from its dependencies; no module state. */
export async function buildApp(deps: AppDeps): Promise<Gatehouse> {
  const { config } = deps;
  const now = deps.now ?? (() => new Date());
  const changes = deps.changes ?? localChangeBus();
  const trust = config.trustProxy;
  const app = Fastify({
    logger: deps.logger ?? {
      level: config.logLevel,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["api-key"]',
          'req.headers.cookie',
          '*.password',
          '*.key',
        ],
        censor: '[redacted]',
      },
    },
    bodyLimit: 1024 * 1024,
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
  installErrorHandling(app);

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
  const ctx = { db: deps.db, config, changes, now };
  const services = buildServices(ctx, keyCache, sessions);
  const auth = authenticator({ masterKey: config.masterKey, keys: keyCache, sessions, now });

  const registry = installMetrics(app);
  installHealth(app, deps.db);
  const gateway = await installGateway(app, {
    config,
    auth,
    keys: keyCache,
    db: deps.db,
    registry,
    now,
    startedAt: Math.floor(now().getTime() / 1000),
    ...(deps.gatewayOptions ? { options: deps.gatewayOptions } : {}),
  });
  installAuthRoutes(app, {
    login: localLogin(ctx, sessions, config.auth.local_login),
    sessions,
    cookies: cookiePolicy(config),
    ctx,
  });
  const routes: DeclaredRoute[] = [];
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
      ],
      { services, auth },
      routes,
    ),
    { prefix: '/api/v1' },
  );
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
    services,
    connections: config.sso.connections,
    graphFor,
    log: app.log,
  });
  const interval = config.groupSync?.background_interval;
  if (interval) groupSync.start(durationMs(interval) ?? 15 * 60_000);
  app.addHook('onClose', async () => {
    await groupSync.stop();
    await Promise.all([...graphClients.values()].map((c) => c.close()));
  });
  return { app, services, routes, groupSync, gateway };
}
