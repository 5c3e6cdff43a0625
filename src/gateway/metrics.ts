import { Counter, Histogram, type Registry } from 'prom-client';

export type Outcome = 'success' | 'error' | 'aborted' | 'refused';

interface Children {
  requests: Record<Outcome, Counter.Internal>;
  latency: Histogram.Internal<string>;
  prompt: Counter.Internal;
  completion: Counter.Internal;
  cost: Counter.Internal;
}

/** Bounds label sets a client could grow (wildcard model names). */
const MAX_SERIES = 2000;

/** Per model and per deployment: requests by outcome, upstream errors, latency, tokens, cost. */
export class GatewayMetrics {
  private readonly requests: Counter<'model' | 'deployment' | 'outcome'>;
  private readonly errors: Counter<'model' | 'deployment' | 'code'>;
  private readonly latency: Histogram<'model' | 'deployment'>;
  private readonly tokens: Counter<'model' | 'deployment' | 'type'>;
  private readonly cost: Counter<'model' | 'deployment'>;
  private readonly children = new Map<string, Children>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'gatehouse_gateway_requests_total',
      help: 'Gateway requests by model, deployment and outcome',
      labelNames: ['model', 'deployment', 'outcome'],
      registers,
    });
    this.errors = new Counter({
      name: 'gatehouse_gateway_upstream_errors_total',
      help: 'Failed upstream attempts (retried or not) by model, deployment and error code',
      labelNames: ['model', 'deployment', 'code'],
      registers,
    });
    this.latency = new Histogram({
      name: 'gatehouse_gateway_request_duration_seconds',
      help: 'Gateway request duration (to the last byte) by model and deployment',
      labelNames: ['model', 'deployment'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.tokens = new Counter({
      name: 'gatehouse_gateway_tokens_total',
      help: 'Tokens by model, deployment and type (prompt, completion)',
      labelNames: ['model', 'deployment', 'type'],
      registers,
    });
    this.cost = new Counter({
      name: 'gatehouse_gateway_cost_usd_total',
      help: 'Spend in USD by model and deployment',
      labelNames: ['model', 'deployment'],
      registers,
    });
  }

  private of(model: string, deployment: string): Children {
    const k = `${model}\u0000${deployment}`;
    let c = this.children.get(k);
    if (!c) {
      if (this.children.size >= MAX_SERIES) return this.of('other', 'other');
      const l = { model, deployment };
      c = {
        requests: {
          success: this.requests.labels({ ...l, outcome: 'success' }),
          error: this.requests.labels({ ...l, outcome: 'error' }),
          aborted: this.requests.labels({ ...l, outcome: 'aborted' }),
          refused: this.requests.labels({ ...l, outcome: 'refused' }),
        },
        latency: this.latency.labels(l),
        prompt: this.tokens.labels({ ...l, type: 'prompt' }),
        completion: this.tokens.labels({ ...l, type: 'completion' }),
        cost: this.cost.labels(l),
      };
      this.children.set(k, c);
    }
    return c;
  }

  request(
    model: string,
    deployment: string,
    outcome: Outcome,
    seconds: number,
    prompt: number,
    completion: number,
    cost: number,
  ): void {
    const c = this.of(model, deployment);
    c.requests[outcome].inc();
    if (outcome === 'refused') return;
    c.latency.observe(seconds);
    if (prompt > 0) c.prompt.inc(prompt);
    if (completion > 0) c.completion.inc(completion);
    if (cost > 0) c.cost.inc(cost);
  }

  upstreamError(model: string, deployment: string, code: string): void {
    this.errors.inc({ model, deployment, code });
  }
}
