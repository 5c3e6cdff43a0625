import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { priceFor } from './pricing.js';

const u = (p: number, c: number, read = 0) => ({
  promptTokens: p,
  completionTokens: c,
  cacheReadTokens: read,
  cacheWriteTokens: 0,
});
const at = new Date('2026-03-01T00:00:00Z');

describe('prices', () => {
  it('flat table prices reduced to per-token rates agree with the library', () => {
    const p = priceFor({
      provider: 'openai',
      model: 'gpt-4o-mini',
      baseModel: null,
      inputCostPerToken: null,
      outputCostPerToken: null,
    });
    expect(p.source).toBe('table');
    for (const [i, o, r] of [
      [1000, 100, 0],
      [123, 4567, 0],
      [5000, 10, 4000],
    ] as const) {
      const lib = calcPrice(
        { input_tokens: i, output_tokens: o, cache_read_tokens: r },
        'gpt-4o-mini',
        { providerId: 'openai' },
      );
      expect(p.price(u(i, o, r), at)).toBeCloseTo(lib?.total_price ?? Number.NaN, 15);
    }
  });

  it('tiered prices are computed by the library per request', () => {
    const p = priceFor({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      baseModel: null,
      inputCostPerToken: null,
      outputCostPerToken: null,
    });
    const big = calcPrice({ input_tokens: 300_000, output_tokens: 10 }, 'claude-sonnet-4-5', {
      providerId: 'anthropic',
    });
    expect(p.price(u(300_000, 10), at)).toBeCloseTo(big?.total_price ?? Number.NaN, 12);
  });

  it('config overrides win; an Azure deployment is priced by base_model; unknown models cost 0', () => {
    expect(
      priceFor({
        provider: 'openai',
        model: 'gpt-4o-mini',
        baseModel: null,
        inputCostPerToken: 1,
        outputCostPerToken: 2,
      }).price(u(3, 4), at),
    ).toBe(11);
    const azure = priceFor({
      provider: 'azure',
      model: 'my-deployment',
      baseModel: 'gpt-3.5-turbo',
      inputCostPerToken: null,
      outputCostPerToken: null,
    });
    expect(azure.source).toBe('table');
    expect(azure.price(u(1_000_000, 0), at)).toBeGreaterThan(0);
    const none = priceFor({
      provider: 'hosted_vllm',
      model: 'llama',
      baseModel: null,
      inputCostPerToken: null,
      outputCostPerToken: null,
    });
    expect(none.source).toBe('none');
    expect(none.price(u(1000, 1000), at)).toBe(0);
  });
});
