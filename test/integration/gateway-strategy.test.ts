import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayTestApp, gatewayApp } from '../support/gateway.js';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream/server.js';

/** router_settings.routing_strategy through the whole gateway, with real upstream requests. */
describe.each(['simple-shuffle', 'least-busy'] as const)('routing strategy %s', (strategy) => {
  let a: MockUpstream;
  let b: MockUpstream;
  let t: GatewayTestApp;

  beforeAll(async () => {
    a = await startMockUpstream();
    b = await startMockUpstream();
    t = await gatewayApp(
      'sqlite',
      {
        model_list: [a, b].map((m, i) => ({
          model_name: 'pair',
          litellm_params: { model: 'openai/gpt-4o', api_base: `${m.url}/v1`, api_key: 'sk-up' },
          model_info: { id: `pair-${i}` },
        })),
        router_settings: { routing_strategy: strategy },
      },
      // The dice always land on the first deployment: only the strategy can move a request.
      { gatewayOptions: { random: () => 0 } },
    );
  });
  afterAll(async () => {
    await t.close();
    await a.close();
    await b.close();
  });

  it(
    strategy === 'least-busy'
      ? 'sends the next request to the idle deployment while a stream holds the other'
      : 'follows the weighted dice whatever is in flight',
    async () => {
      let release = () => {};
      a.next({ kind: 'gate', release: new Promise<void>((r) => (release = r)) });
      const held = await t.openai().chat.completions.create({
        model: 'pair',
        messages: [{ role: 'user', content: 'hold' }],
        stream: true,
      });
      const it = held[Symbol.asyncIterator]();
      await it.next(); // the first chunk: the stream is in flight at deployment a
      const before = { a: a.requests.length, b: b.requests.length };
      const next = t.openai().chat.completions.create({
        model: 'pair',
        messages: [{ role: 'user', content: 'next' }],
      });
      if (strategy === 'simple-shuffle') {
        await next;
        expect(a.requests.length - before.a).toBe(1);
        expect(b.requests.length - before.b).toBe(0);
      } else {
        await next;
        expect(b.requests.length - before.b).toBe(1);
        expect(a.requests.length - before.a).toBe(0);
      }
      release();
      for (let r = await it.next(); !r.done; r = await it.next());
      // Once the stream has ended, a is idle again and the dice pick it.
      await t.openai().chat.completions.create({
        model: 'pair',
        messages: [{ role: 'user', content: 'after' }],
      });
      expect(a.requests.length - before.a).toBe(strategy === 'simple-shuffle' ? 2 : 1);
    },
  );
});
