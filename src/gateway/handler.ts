import type { FastifyBaseLogger } from 'fastify';
import type { Dispatcher } from 'undici';
import type { RouterConfig } from '../config/schema.js';
import { AppError, isAppError } from '../errors/catalogue.js';
import type { CachedKey } from '../keys/cache.js';
import type { ModelTable, Routed } from './deployments.js';
import { type Exchange, settled } from './exchange.js';
import type { Admission, Governance } from './governance.js';
import type { GatewayMetrics, Outcome as MetricOutcome } from './metrics.js';
import { failureOutcome } from './outcomes.js';
import { anthropicAdapter } from './providers/anthropic/index.js';
import { azureAdapter } from './providers/azure/index.js';
import { fakeCompletion, fakeEmbeddings, fakeStream } from './providers/fake/index.js';
import { openAiAdapter } from './providers/openai/index.js';
import {
  type ClientBody,
  type HttpAdapter,
  NO_USAGE,
  type Operation,
  type StreamTranslator,
  type Usage,
} from './providers/types.js';
import { type RelayEnd, relay, startEventStream, writeEvents } from './relay.js';
import type { DeploymentHealth } from './router/health.js';
import type { DeploymentLoad } from './router/load.js';
import { type Group, type Outcome, route } from './router/route.js';
import { timeOrderedId } from './spend/id.js';
import type { SpendWriter } from './spend/writer.js';
import { retryAfterMs, transportError, type Upstreams } from './upstream.js';
import { clientBody, clientWantsUsage, estimatePromptTokens } from './validate.js';

export interface GatewayDeps {
  table: ModelTable;
  router: RouterConfig;
  keys: { byId(id: string): CachedKey | undefined };
  governance: Governance;
  upstreams: Upstreams;
  health: DeploymentHealth;
  load: DeploymentLoad;
  metrics: GatewayMetrics;
  spend: SpendWriter;
  log: FastifyBaseLogger;
  /** Requests between admission and their end, so shutdown can abort what outlives its drain. */
  inflight: Set<AbortController>;
  now: () => Date;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
}

const ADAPTERS: Record<HttpAdapter['name'], HttpAdapter> = {
  openai: openAiAdapter,
  azure: azureAdapter,
  anthropic: anthropicAdapter,
};

/** Longest upstream Retry-After worth waiting for inside one request. */
const MAX_WAIT_MS = 10_000;

type Result =
  | { kind: 'json'; d: Routed; body: string; usage: Usage | null }
  | { kind: 'stream'; d: Routed; res: Dispatcher.ResponseData; t: StreamTranslator }
  | { kind: 'events'; d: Routed; events: string[]; usage: Usage };

interface Finish {
  outcome: MetricOutcome;
  d: Routed | null;
  usage: Usage | null;
  estimated: boolean;
  httpStatus: number;
  code: string | null;
}

/** One request through the gateway: access, limits, routing, relay, then spend (always once). */
export async function handle(op: Operation, ex: Exchange, deps: GatewayDeps): Promise<void> {
  const started = performance.now();
  const at = deps.now();
  const principal = ex.principal;
  if (!principal) throw new AppError('unauthenticated');
  const key = principal.kind === 'key' ? (deps.keys.byId(principal.keyId) ?? null) : null;
  const body = clientBody(op, ex.body);
  const model = body.model;
  deps.governance.checkModel(key, model);
  const primary = deps.table.resolve(model);
  if (!primary) {
    throw new AppError('model_not_found', `The model "${model}" does not exist on this gateway.`);
  }
  const stream = op === 'chat' && body.stream === true;
  const wantsUsage = stream && clientWantsUsage(body);
  const admission = deps.governance.admit(key, model);

  const controller = new AbortController();
  deps.inflight.add(controller);
  const res = ex.res;
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  res.once('close', onClose);
  let done = false;
  const finish = (f: Finish) => {
    if (done) return;
    done = true;
    settled.add(res);
    deps.inflight.delete(controller);
    if (f.d) deps.load.end(f.d.id);
    res.off('close', onClose);
    settle(deps, { op, model, key, admission, at, started, stream, requestId: ex.id, body }, f);
  };

  const groups: Group<Routed>[] = [{ name: model, deployments: primary }];
  for (const name of deps.router.fallbacks[model] ?? []) {
    const ds = deps.governance.mayUse(key, name) ? deps.table.resolve(name) : null;
    if (ds) groups.push({ name, deployments: ds });
  }
  const created = Math.floor(at.getTime() / 1000);
  let result: Result;
  try {
    result = await route(
      groups,
      {
        health: deps.health,
        strategy: deps.router.strategy,
        load: deps.load,
        random: deps.random,
        sleep: deps.sleep,
        now: () => deps.now().getTime(),
        numRetries: deps.router.numRetries,
        retryAfterMs: deps.router.retryAfterMs,
        maxWaitMs: MAX_WAIT_MS,
      },
      (d) =>
        attempt(d, {
          op,
          body,
          stream,
          wantsUsage,
          created,
          requestId: ex.id,
          signal: controller.signal,
          deps,
        }),
      controller.signal,
    );
  } catch (err) {
    const aborted = controller.signal.aborted;
    const e = isAppError(err) ? err : new AppError('internal_error');
    finish({
      outcome: aborted ? 'aborted' : 'error',
      d: null,
      usage: null,
      estimated: false,
      httpStatus: aborted ? 499 : e.status,
      code: aborted ? 'client_closed' : e.code,
    });
    if (aborted) {
      // Nobody is left to answer: the response is handled here, and the socket dropped.
      ex.takeOver();
      res.destroy();
      return;
    }
    throw err;
  }

  if (result.kind === 'json') {
    finish({
      outcome: 'success',
      d: result.d,
      usage: result.usage ?? { ...NO_USAGE, promptTokens: estimatePromptTokens(op, body) },
      estimated: result.usage === null,
      httpStatus: 200,
      code: null,
    });
    await ex.json(200, result.body);
    return;
  }
  ex.takeOver();
  startEventStream(res, ex.id);
  let end: RelayEnd;
  let usage: Usage | null;
  let estimated = false;
  if (result.kind === 'events') {
    end = await writeEvents(res, result.events, controller.signal);
    usage = result.usage;
  } else {
    end = await relay(res, result.res.body, result.t, controller.signal);
    if (end === 'aborted') res.destroy();
    usage = result.t.usage();
    if (!usage) {
      estimated = true;
      usage = {
        promptTokens: estimatePromptTokens(op, body),
        completionTokens: result.t.contentChunks,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      };
    }
  }
  finish({
    outcome: end === 'done' ? 'success' : end === 'aborted' ? 'aborted' : 'error',
    d: result.d,
    usage,
    estimated,
    httpStatus: end === 'aborted' ? 499 : 200,
    code: end === 'done' ? null : end === 'aborted' ? 'client_closed' : 'upstream_error',
  });
}

/** What every attempt of one request shares. */
interface AttemptContext {
  op: Operation;
  body: ClientBody;
  stream: boolean;
  wantsUsage: boolean;
  created: number;
  requestId: string;
  signal: AbortSignal;
  deps: GatewayDeps;
}

/** One deployment tried: it counts as busy until the request's end (or this failure). */
async function attempt(d: Routed, ctx: AttemptContext): Promise<Outcome<Result>> {
  ctx.deps.load.begin(d.id);
  const out = await tryDeployment(d, ctx);
  if (!out.ok) ctx.deps.load.end(d.id);
  return out;
}

async function tryDeployment(
  d: Routed,
  { op, body, stream, wantsUsage, created, requestId, signal, deps }: AttemptContext,
): Promise<Outcome<Result>> {
  const sent = performance.now();
  try {
    if (d.adapter === 'fake') {
      if (d.mockDelayMs > 0) await deps.sleep(d.mockDelayMs);
      deps.load.observe(d.id, performance.now() - sent);
      const meta = { id: requestId, created };
      if (op === 'embeddings')
        return { ok: true, value: { kind: 'json', d, ...fakeEmbeddings(body, d) } };
      if (!stream)
        return { ok: true, value: { kind: 'json', d, ...fakeCompletion(body, d, meta) } };
      return { ok: true, value: { kind: 'events', d, ...fakeStream(body, d, meta, wantsUsage) } };
    }
    const adapter = ADAPTERS[d.adapter];
    if (!adapter.supports(op)) {
      return refuse(
        new AppError('invalid_request', `Model ${d.modelName} does not support ${op}.`),
      );
    }
    const req = adapter.request(op, body, d, stream);
    const timeout = stream ? d.streamTimeoutMs : d.timeoutMs;
    const res = await deps.upstreams.send(req, {
      signal,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    if (res.statusCode >= 300) {
      const raw = await res.body.text();
      const out = failureOutcome(
        res.statusCode,
        adapter.failure(res.statusCode, raw),
        d.id,
        retryAfterMs(res.headers, deps.now().getTime()),
      );
      if (!out.ok) deps.metrics.upstreamError(d.modelName, d.id, out.error.code);
      return out;
    }
    deps.load.observe(d.id, performance.now() - sent);
    if (stream) {
      return {
        ok: true,
        value: {
          kind: 'stream',
          d,
          res,
          t: adapter.stream(d, { clientWantsUsage: wantsUsage, created }),
        },
      };
    }
    const raw = await res.body.text();
    let translated: { body: string; usage: Usage | null };
    try {
      translated = adapter.response(op, raw, d, { created });
    } catch {
      return refuse(
        new AppError('upstream_error', `Deployment ${d.id} sent a body that is not valid.`),
        true,
      );
    }
    return { ok: true, value: { kind: 'json', d, ...translated } };
  } catch (err) {
    if (isAppError(err)) return refuse(err);
    if (signal.aborted) return refuse(new AppError('invalid_request', 'The client went away.'));
    const e = transportError(err, d.id);
    deps.metrics.upstreamError(d.modelName, d.id, e.code);
    return refuse(e, true);
  }
}

function refuse(error: AppError, retryable = false): Outcome<never> {
  return { ok: false, error, retryable, rateLimitedForMs: null };
}

interface RequestFacts {
  op: Operation;
  model: string;
  key: CachedKey | null;
  admission: Admission;
  at: Date;
  started: number;
  stream: boolean;
  requestId: string;
  body: ClientBody;
}

/** Spend, limits, the spend log row, metrics and the one log line, once per admitted request. */
function settle(deps: GatewayDeps, r: RequestFacts, f: Finish): void {
  const ms = performance.now() - r.started;
  const u = f.usage;
  const cost = u && f.d ? f.d.pricing.price(u, r.at) : 0;
  const prompt = u?.promptTokens ?? 0;
  const completion = u?.completionTokens ?? 0;
  deps.governance.finish(r.admission, cost, prompt + completion);
  const deployment = f.d?.id ?? null;
  deps.metrics.request(
    r.model,
    deployment ?? 'none',
    f.outcome,
    ms / 1000,
    prompt,
    completion,
    cost,
  );
  const userId = r.key?.user?.id ?? null;
  const teamId = r.key?.team?.id ?? null;
  deps.spend.record({
    id: timeOrderedId(r.at.getTime()),
    request_id: r.requestId,
    created_at: r.at.toISOString(),
    key_id: r.key?.id ?? null,
    user_id: userId,
    team_id: teamId,
    organization_id: r.key?.team?.organization?.id ?? null,
    operation: r.op,
    model: r.model,
    deployment,
    provider: f.d?.provider ?? null,
    upstream_model: f.d?.model ?? null,
    stream: r.stream ? 1 : 0,
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    usage_estimated: f.estimated ? 1 : 0,
    cost,
    latency_ms: ms,
    status: f.outcome === 'success' ? 'success' : f.outcome === 'aborted' ? 'aborted' : 'error',
    http_status: f.httpStatus,
    error_code: f.code,
  });
  // One line per request, never prompt or completion text.
  deps.log.info(
    {
      reqId: r.requestId,
      key: r.key?.id ?? 'master',
      user: userId,
      team: teamId,
      model: r.model,
      deployment,
      stream: r.stream,
      status: f.httpStatus,
      outcome: f.outcome,
      code: f.code ?? undefined,
      ms: Math.round(ms * 10) / 10,
      prompt_tokens: prompt,
      completion_tokens: completion,
      cost,
    },
    'gateway request',
  );
}
