import type { ModelEntry, RouterConfig } from '../config/schema.js';
import { type PriceSource, priceFor } from './pricing.js';
import type { AdapterName, Deployment } from './providers/types.js';

/** A deployment with its price; what the router hands to the call path. */
export interface Routed extends Deployment {
  pricing: PriceSource;
  /** What the price was looked up from (a wildcard deployment is priced per matched model). */
  priceSpec: Parameters<typeof priceFor>[0];
}

/** Every `model_name` with its deployments; wildcard names (`openai/*`) match by pattern. */
export interface ModelTable {
  groups: ReadonlyMap<string, readonly Routed[]>;
  wildcards: readonly { prefix: string; suffix: string; deployments: readonly Routed[] }[];
  /** The deployments serving `model`, or null when no model_name matches. */
  resolve(model: string): readonly Routed[] | null;
  names(): string[];
}

interface ProviderSpec {
  adapter: AdapterName;
  defaultBase: string | null;
  /** OpenAI-compatible servers whose api_base is written without the `/v1` suffix. */
  appendV1?: boolean;
}

/** Provider prefixes as LiteLLM spells them. */
const PROVIDERS: Record<string, ProviderSpec> = {
  openai: { adapter: 'openai', defaultBase: 'https://api.openai.com/v1' },
  hosted_vllm: { adapter: 'openai', defaultBase: null, appendV1: true },
  ollama: { adapter: 'openai', defaultBase: 'http://localhost:11434', appendV1: true },
  ollama_chat: { adapter: 'openai', defaultBase: 'http://localhost:11434', appendV1: true },
  azure: { adapter: 'azure', defaultBase: null },
  anthropic: { adapter: 'anthropic', defaultBase: 'https://api.anthropic.com' },
  fake: { adapter: 'fake', defaultBase: 'fake://local' },
};

export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

function apiBase(spec: ProviderSpec, given: string | undefined, where: string): string {
  const base = (given ?? spec.defaultBase)?.replace(/\/+$/, '');
  if (!base) throw new Error(`${where}: api_base is required for this provider`);
  if (spec.appendV1 && !/\/v1$/.test(base)) return `${base}/v1`;
  return base;
}

function priced(spec: Routed['priceSpec']): Pick<Routed, 'pricing' | 'priceSpec'> {
  return { pricing: priceFor(spec), priceSpec: spec };
}

export function buildDeployments(models: readonly ModelEntry[], router: RouterConfig): Routed[] {
  const perName = new Map<string, number>();
  const ids = new Set<string>();
  return models.map((entry, i) => {
    const where = `model_list[${i}]`;
    const p = entry.litellm_params;
    const slash = p.model.indexOf('/');
    const provider = p.model.slice(0, slash);
    const model = p.model.slice(slash + 1);
    const spec = PROVIDERS[provider];
    if (!spec) {
      throw new Error(
        `${where}.litellm_params.model: provider "${provider}" is not supported (use one of ${Object.keys(PROVIDERS).join(', ')}, or openai/<model> with api_base for any OpenAI-compatible server)`,
      );
    }
    const n = perName.get(entry.model_name) ?? 0;
    perName.set(entry.model_name, n + 1);
    const id = entry.model_info?.id ?? `${entry.model_name}-${n}`;
    if (ids.has(id)) throw new Error(`${where}: deployment id "${id}" is used twice`);
    ids.add(id);
    const timeoutMs = p.timeout !== undefined ? p.timeout * 1000 : router.timeoutMs;
    return {
      id,
      modelName: entry.model_name,
      adapter: spec.adapter,
      provider,
      model,
      apiBase: apiBase(spec, p.api_base, where),
      apiKey: p.api_key ?? null,
      apiVersion: p.api_version ?? (spec.adapter === 'azure' ? DEFAULT_AZURE_API_VERSION : null),
      organization: p.organization ?? null,
      weight: p.weight ?? p.rpm ?? p.tpm ?? 1,
      timeoutMs,
      streamTimeoutMs:
        p.stream_timeout !== undefined
          ? p.stream_timeout * 1000
          : p.timeout !== undefined
            ? timeoutMs
            : router.streamTimeoutMs,
      maxAttempts: p.max_retries !== undefined ? 1 + p.max_retries : Number.POSITIVE_INFINITY,
      mockResponse: p.mock_response ?? null,
      mockDelayMs: (p.mock_delay ?? 0) * 1000,
      ...priced({
        provider,
        model,
        baseModel: entry.model_info?.base_model ?? null,
        inputCostPerToken: p.input_cost_per_token ?? entry.model_info?.input_cost_per_token ?? null,
        outputCostPerToken:
          p.output_cost_per_token ?? entry.model_info?.output_cost_per_token ?? null,
      }),
    };
  });
}

/**
 * Weights as LiteLLM's simple shuffle reads them: `weight` when every deployment of the group
 * sets it, else `rpm`, else `tpm`, else equal shares.
 */
function groupWeights(entries: readonly ModelEntry[], group: Routed[]): Routed[] {
  const params = entries.map((e) => e.litellm_params);
  const pick = (['weight', 'rpm', 'tpm'] as const).find((k) =>
    params.every((p) => p[k] !== undefined),
  );
  return group.map((d, i) => ({ ...d, weight: pick ? (params[i]?.[pick] ?? 1) : 1 }));
}

/** `openai/*` → prefix `openai/`, the deployment model `openai/*` gets the matched part. */
function wildcardDeployments(group: readonly Routed[], matched: string): Routed[] {
  return group.map((d) => {
    const model = d.model.replace('*', matched);
    return { ...d, model, ...priced({ ...d.priceSpec, model }) };
  });
}

export function modelTable(models: readonly ModelEntry[], router: RouterConfig): ModelTable {
  const all = buildDeployments(models, router);
  const byName = new Map<string, { entries: ModelEntry[]; group: Routed[] }>();
  all.forEach((d, i) => {
    const g = byName.get(d.modelName) ?? { entries: [], group: [] };
    g.entries.push(models[i] as ModelEntry);
    g.group.push(d);
    byName.set(d.modelName, g);
  });
  const groups = new Map<string, readonly Routed[]>();
  const wildcards: { prefix: string; suffix: string; deployments: readonly Routed[] }[] = [];
  for (const [name, g] of byName) {
    const weighted = groupWeights(g.entries, g.group);
    const star = name.indexOf('*');
    if (star >= 0) {
      wildcards.push({
        prefix: name.slice(0, star),
        suffix: name.slice(star + 1),
        deployments: weighted,
      });
    } else groups.set(name, weighted);
  }
  // The most specific pattern first, as with routes.
  wildcards.sort((a, b) => b.prefix.length + b.suffix.length - (a.prefix.length + a.suffix.length));
  const expanded = new Map<string, readonly Routed[]>();
  return {
    groups,
    wildcards,
    resolve(model) {
      const exact = groups.get(model);
      if (exact) return exact;
      const seen = expanded.get(model);
      if (seen) return seen;
      for (const w of wildcards) {
        if (
          model.length >= w.prefix.length + w.suffix.length &&
          model.startsWith(w.prefix) &&
          model.endsWith(w.suffix)
        ) {
          const part = model.slice(w.prefix.length, model.length - w.suffix.length);
          const ds = wildcardDeployments(w.deployments, part).map((d) => ({
            ...d,
            modelName: model,
          }));
          // Bounded: a client could otherwise grow this map with made-up names.
          if (expanded.size < 1000) expanded.set(model, ds);
          return ds;
        }
      }
      return null;
    },
    names: () => [...byName.keys()],
  };
}
