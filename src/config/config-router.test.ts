import { describe, expect, it } from 'vitest';
import { load, problems } from '../../test/support/config.js';

describe('gateway routing keys (LiteLLM spellings)', () => {
  it('defaults: 2 retries, 600 s timeout, 3 allowed fails, 5 s cooldown, no fallbacks', () => {
    const { config } = load({});
    expect(config.router).toEqual({
      strategy: 'simple-shuffle',
      numRetries: 2,
      timeoutMs: 600_000,
      streamTimeoutMs: 600_000,
      allowedFails: 3,
      cooldownMs: 5_000,
      retryAfterMs: 0,
      fallbacks: {},
    });
  });

  it('router_settings wins over litellm_settings; fallbacks from both are merged', () => {
    const { config, warnings } = load({
      litellm_settings: {
        num_retries: 5,
        request_timeout: 30,
        fallbacks: [{ 'gpt-3.5-turbo': ['gpt-4o'] }, { claude: ['gpt-4o'] }],
      },
      router_settings: {
        num_retries: 1,
        stream_timeout: 10,
        allowed_fails: 1,
        cooldown_time: 60,
        retry_after: 2,
        fallbacks: [{ claude: ['gpt-3.5-turbo', 'gpt-4o'] }],
        routing_strategy: 'least-busy',
      },
    });
    expect(config.router).toEqual({
      strategy: 'least-busy',
      numRetries: 1,
      timeoutMs: 30_000,
      streamTimeoutMs: 10_000,
      allowedFails: 1,
      cooldownMs: 60_000,
      retryAfterMs: 2_000,
      fallbacks: { 'gpt-3.5-turbo': ['gpt-4o'], claude: ['gpt-3.5-turbo', 'gpt-4o'] },
    });
    expect(warnings).toEqual([]);
  });

  it('takes the in-memory routing strategies and refuses the ones that need shared usage', () => {
    for (const s of ['simple-shuffle', 'least-busy', 'latency-based-routing'])
      expect(load({ router_settings: { routing_strategy: s } }).config.router.strategy).toBe(s);
    for (const s of ['usage-based-routing', 'usage-based-routing-v2', 'cost-based-routing']) {
      const [p] = problems(() => load({ router_settings: { routing_strategy: s } }));
      expect(p?.path).toBe('router_settings.routing_strategy');
      expect(p?.message).toContain(`"${s}" is not supported`);
      expect(p?.message).toContain('least-busy');
    }
    const [typo] = problems(() => load({ router_settings: { routing_strategy: 'fastest' } }));
    expect(typo?.message).toContain('unknown routing strategy "fastest"');
  });

  it('accepts the per-deployment keys LiteLLM users write', () => {
    const { config } = load({
      model_list: [
        {
          model_name: 'gpt-4o',
          litellm_params: {
            model: 'azure/gpt-4o-prod',
            api_base: 'https://acme.openai.azure.com',
            api_version: '2024-10-21',
            weight: 2,
            timeout: 20,
            stream_timeout: 5,
            max_retries: 1,
            input_cost_per_token: 0.000002,
            output_cost_per_token: 0.000008,
          },
          model_info: { id: 'gpt-4o-eu' },
        },
      ],
    });
    expect(config.models[0]?.litellm_params.weight).toBe(2);
    expect(config.models[0]?.model_info?.id).toBe('gpt-4o-eu');
  });

  it('rejects a negative price, a zero timeout and a malformed fallback list', () => {
    const found = problems(() =>
      load({
        model_list: [
          {
            model_name: 'm',
            litellm_params: { model: 'openai/m', input_cost_per_token: -1, timeout: 0 },
          },
        ],
        router_settings: { fallbacks: { a: 'b' } },
      }),
    ).map((p) => p.path);
    expect(found).toEqual(
      expect.arrayContaining([
        'model_list[0].litellm_params.input_cost_per_token',
        'model_list[0].litellm_params.timeout',
        'router_settings.fallbacks',
      ]),
    );
  });
});
