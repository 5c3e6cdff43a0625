import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { Counter, Histogram, Registry } from 'prom-client';
import type { Authenticator } from '../access/authenticate.js';
import type { GatehouseConfig } from '../config/types.js';
import type { Db } from '../db/connect.js';
import type { FrontHandler } from '../http/front-door.js';
import type { CachedKey } from '../keys/cache.js';
import { modelTable } from './deployments.js';
import { gatewayFront } from './front.js';
import { Governance } from './governance.js';
import { GatewayMetrics } from './metrics.js';
import { gatewayPlugin } from './plugin.js';
import { DeploymentHealth } from './router/health.js';
import { DeploymentLoad } from './router/load.js';
import { SpendWriter } from './spend/writer.js';
import { DEFAULT_UPSTREAM, type UpstreamOptions, Upstreams } from './upstream.js';

/** What tests (and only tests) replace: randomness, waiting, the write interval. */
export interface GatewayOptions {
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  spendFlushIntervalMs?: number;
  upstream?: Partial<UpstreamOptions>;
  /** How long close() lets in-flight requests (streams) finish before cutting them. */
  drainTimeoutMs?: number;
}

/** In-flight requests get this long to finish when the app closes; then they are cut. */
const DRAIN_TIMEOUT_MS = 10_000;

export interface GatewayHandle {
  governance: Governance;
  /** Writes pending spend now (also runs on an interval and at close). */
  flushSpend(): Promise<void>;
}

/**
 * Wires the gateway: `/v1/*` and the same routes without the prefix. Everything on the request
 * path is in memory; spend is written by the SpendWriter, finally when the app closes.
 */
export async function installGateway(
  app: FastifyInstance,
  deps: {
    config: Pick<GatehouseConfig, 'models' | 'router'>;
    auth: Authenticator;
    keys: { byId(id: string): CachedKey | undefined };
    db: Db;
    registry: Registry;
    now: () => Date;
    startedAt: number;
    /** The server's lean path for the hot routes. */
    front: { use(handler: FrontHandler): void };
    options?: GatewayOptions;
  },
): Promise<GatewayHandle> {
  const o = deps.options ?? {};
  const nowMs = () => deps.now().getTime();
  const table = modelTable(deps.config.models, deps.config.router);
  for (const name of table.names()) {
    for (const d of table.resolve(name) ?? []) {
      if (d.pricing.source === 'none' && d.adapter !== 'fake') {
        app.log.warn(
          { deployment: d.id, model: `${d.provider}/${d.model}` },
          'no price known for this deployment: its spend counts as 0 (set input_cost_per_token / output_cost_per_token)',
        );
      }
    }
  }
  const governance = new Governance(nowMs);
  const inflight = new Set<AbortController>();
  const upstreams = new Upstreams({ ...DEFAULT_UPSTREAM, ...o.upstream });
  const spend = new SpendWriter(deps.db, governance.ledger, {
    intervalMs: o.spendFlushIntervalMs ?? 1000,
    maxQueued: 100_000,
    now: deps.now,
    onError: (err, what) => app.log.error({ err }, what),
  });
  const pluginDeps = {
    table,
    router: deps.config.router,
    keys: deps.keys,
    governance,
    upstreams,
    health: new DeploymentHealth(deps.config.router, nowMs),
    load: new DeploymentLoad(),
    metrics: new GatewayMetrics(deps.registry),
    spend,
    log: app.log,
    inflight,
    now: deps.now,
    random: o.random ?? Math.random,
    sleep: o.sleep ?? ((ms: number) => delay(ms)),
    auth: deps.auth,
    startedAt: deps.startedAt,
  };
  await app.register(gatewayPlugin(pluginDeps, { notFound: true }), { prefix: '/v1' });
  await app.register(gatewayPlugin(pluginDeps, { notFound: false }));
  let closing = false;
  deps.front.use(
    gatewayFront({
      ...pluginDeps,
      parseJson: app.getDefaultJsonParser('error', 'error'),
      observeHttp: httpObserver(deps.registry),
      closing: () => closing,
      // Node closes idle connections once, when close() starts; those freed later would wait.
      endedWhileClosing: () => setImmediate(() => app.server.closeIdleConnections()),
    }),
  );
  spend.start();
  let drain: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    closing = true;
    // The server waits for every in-flight request and open connection; a stream (or a client's
    // connection that never sent a request) would otherwise hold close() open for ever.
    drain = setTimeout(() => {
      for (const c of inflight) c.abort();
      app.server.closeAllConnections();
    }, o.drainTimeoutMs ?? DRAIN_TIMEOUT_MS);
    drain.unref();
  });
  app.addHook('onClose', async () => {
    clearTimeout(drain);
    await spend.stop();
    await upstreams.close();
  });
  return { governance, flushSpend: () => spend.flush() };
}

/** Feeds the app-wide HTTP metrics (src/ops/metrics.ts) for requests Fastify never sees. */
function httpObserver(registry: Registry) {
  const requests = registry.getSingleMetric('gatehouse_http_requests_total') as
    | Counter<'method' | 'route' | 'status'>
    | undefined;
  const duration = registry.getSingleMetric('gatehouse_http_request_duration_seconds') as
    | Histogram<'method' | 'route'>
    | undefined;
  // Label lookups hash on every call; the few (route, status) pairs are bound once.
  const bound = new Map<string, { inc(): void; observe(s: number): void }>();
  return (route: string, status: number, seconds: number) => {
    const k = `${route} ${status}`;
    let b = bound.get(k);
    if (!b) {
      const counter = requests?.labels({ method: 'POST', route, status: String(status) });
      const histogram = duration?.labels({ method: 'POST', route });
      b = { inc: () => counter?.inc(), observe: (s) => histogram?.observe(s) };
      bound.set(k, b);
    }
    b.inc();
    b.observe(seconds);
  };
}
