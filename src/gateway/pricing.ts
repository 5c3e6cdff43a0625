import { calcPrice } from '@pydantic/genai-prices';
import type { Usage } from './providers/types.js';

/** Prices a request's usage in USD. Built once per deployment; called at every response end. */
export type PriceFn = (usage: Usage, at: Date) => number;

export interface PriceSource {
  /** `table` (genai-prices), `config` (per-token override), or `none` (priced at 0). */
  source: 'table' | 'config' | 'none';
  /** The model the table matched, when it did. */
  matched: string | null;
  price: PriceFn;
}

/** genai-prices provider ids for the prefixes Gatehouse routes. */
const TABLE_PROVIDER: Record<string, string> = {
  openai: 'openai',
  azure: 'azure',
  anthropic: 'anthropic',
};

interface Linear {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Per-token rates when the table's price is flat (no tiers, no time conditions). */
function flatRates(prices: unknown): Linear | null {
  if (!prices || typeof prices !== 'object' || Array.isArray(prices)) return null;
  const p = prices as Record<string, unknown>;
  const num = (k: string): number | null | undefined =>
    p[k] === undefined ? undefined : typeof p[k] === 'number' ? (p[k] as number) : null;
  const input = num('input_mtok');
  const output = num('output_mtok');
  const cacheRead = num('cache_read_mtok');
  const cacheWrite = num('cache_write_mtok');
  if (input === null || output === null || cacheRead === null || cacheWrite === null) return null;
  const i = (input ?? 0) / 1e6;
  return {
    input: i,
    output: (output ?? 0) / 1e6,
    cacheRead: cacheRead === undefined ? i : cacheRead / 1e6,
    cacheWrite: cacheWrite === undefined ? i : cacheWrite / 1e6,
  };
}

function linear(r: Linear): PriceFn {
  return (u) => {
    const uncached = Math.max(0, u.promptTokens - u.cacheReadTokens - u.cacheWriteTokens);
    return (
      uncached * r.input +
      u.cacheReadTokens * r.cacheRead +
      u.cacheWriteTokens * r.cacheWrite +
      u.completionTokens * r.output
    );
  };
}

const tableUsage = (u: Usage) => ({
  input_tokens: u.promptTokens,
  output_tokens: u.completionTokens,
  cache_read_tokens: u.cacheReadTokens,
  cache_write_tokens: u.cacheWriteTokens,
});

/**
 * Prices from @pydantic/genai-prices, overridable per deployment with LiteLLM's
 * `input_cost_per_token` / `output_cost_per_token`. A flat table price is reduced to per-token
 * rates once (the library's lookup costs ~20 µs, too much for every response); tiered or
 * time-dependent prices call the library per request.
 */
export function priceFor(d: {
  provider: string;
  model: string;
  baseModel: string | null;
  inputCostPerToken: number | null;
  outputCostPerToken: number | null;
}): PriceSource {
  const providerId = TABLE_PROVIDER[d.provider];
  const modelId = d.baseModel ?? d.model;
  const probe = providerId
    ? calcPrice({ input_tokens: 1, output_tokens: 1 }, modelId, { providerId })
    : null;
  if (d.inputCostPerToken !== null || d.outputCostPerToken !== null) {
    const base = probe ? flatRates(probe.model.prices) : null;
    const input = d.inputCostPerToken ?? base?.input ?? 0;
    return {
      source: 'config',
      matched: probe?.model.id ?? null,
      price: linear({
        input,
        output: d.outputCostPerToken ?? base?.output ?? 0,
        cacheRead: d.inputCostPerToken ?? base?.cacheRead ?? input,
        cacheWrite: d.inputCostPerToken ?? base?.cacheWrite ?? input,
      }),
    };
  }
  if (!probe || !providerId) return { source: 'none', matched: null, price: () => 0 };
  const rates = flatRates(probe.model.prices);
  if (rates) return { source: 'table', matched: probe.model.id, price: linear(rates) };
  return {
    source: 'table',
    matched: probe.model.id,
    price: (u, at) =>
      calcPrice(tableUsage(u), modelId, { providerId, timestamp: at })?.total_price ?? 0,
  };
}
