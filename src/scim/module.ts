import { durationMs } from '../config/duration.js';
import type { ScimConfig } from '../config/schema.js';
import type { ServiceContext } from '../identity/write.js';
import { type ActivityStore, activityStore } from './activity/store.js';
import { discoveryRoutes } from './http/discovery.routes.js';
import { groupRoutes } from './http/groups.routes.js';
import { scimPlugin } from './http/plugin.js';
import { searchRoutes } from './http/search.js';
import { SCIM_SURFACE } from './http/surface.js';
import { userRoutes } from './http/users.routes.js';
import type { ScimTeamServices } from './service/groups.js';
import type { ScimUserServices } from './service/users.js';
import { type ScimTokenStore, scimTokenStore } from './tokens/store.js';

export { SCIM_SURFACE };

/** Where the SCIM surface is mounted; clients are given `<public URL>/scim/v2`. */
export const SCIM_PREFIX = '/scim/v2';

const PRUNE_EVERY_MS = 10 * 60_000;

export interface ScimModule {
  tokens: ScimTokenStore;
  activity: ActivityStore;
  /** The `/scim/v2` plugin: register it with `{ prefix: SCIM_PREFIX }`. */
  plugin: ReturnType<typeof scimPlugin>;
  /** Prunes the activity log now (the timer does it every ten minutes). */
  prune(): Promise<number>;
  /** Stops the pruning timer and writes the queued activity (before the database closes). */
  stop(): Promise<void>;
}

/**
 * The SCIM service provider, built from narrow services: the tokens, the activity log, the
 * `/scim/v2` plugin and its pruning timer. The composition root registers the plugin and the
 * management routes (`api/scim.routes.ts`) over `tokens` and `activity`.
 */
export function scimModule(deps: {
  ctx: ServiceContext;
  users: ScimUserServices;
  teams: ScimTeamServices;
  config: ScimConfig;
  publicUrl: string;
}): ScimModule {
  const { ctx, config } = deps;
  const tokens = scimTokenStore(ctx.db.kysely, ctx.now);
  const activity = activityStore(ctx.db.kysely, ctx.log);
  const plugin = scimPlugin(
    {
      ctx,
      users: deps.users,
      teams: deps.teams,
      tokens,
      activity,
      baseUrl: `${deps.publicUrl}${SCIM_PREFIX}`,
      rateLimit: {
        perSecond: config.rate_limit.requests_per_second,
        burst: config.rate_limit.burst,
      },
    },
    [discoveryRoutes, userRoutes, groupRoutes, searchRoutes],
  );
  const retentionMs = durationMs(config.activity.retention) ?? 30 * 86_400_000;
  const prune = async () => {
    await activity.flush();
    return activity.prune(
      new Date(ctx.now().getTime() - retentionMs).toISOString(),
      config.activity.max_entries,
    );
  };
  const timer = setInterval(() => {
    prune().catch((err: unknown) => ctx.log.error({ err }, 'SCIM activity pruning failed'));
  }, PRUNE_EVERY_MS);
  timer.unref();
  return {
    tokens,
    activity,
    plugin,
    prune,
    async stop() {
      clearInterval(timer);
      await activity.close();
    },
  };
}
