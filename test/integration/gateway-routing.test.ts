import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayTestApp, gatewayApp } from '../support/gateway.js';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream/server.js';

describe('gateway routing: load balancing, retries, cooldown, fallbacks, timeouts, aborts', () => {
  let a: MockUpstream;
  let b: MockUpstream;
  let t: GatewayTestApp;
  const slept: number[] = [];
  let dice = 0;

  beforeAll(async () => {
    a = await startMockUpstream();
    b = await startMockUpstream();
    const on = (m: MockUpstream, extra: Record<string, unknown> = {}) => ({
      api_base: `${m.url}/v1`,
      api_key: 'sk-up',
      ...extra,
    });
    t = await gatewayApp(
      'sqlite',
      {
        model_list: [
          {
            model_name: 'pair',
            litellm_params: { model: 'openai/gpt-4o', ...on(a, { weight: 3 }) },
            model_info: { id: 'pair-a' },
          },
          {
            model_name: 'pair',
            litellm_params: { model: 'openai/gpt-4o', ...on(b, { weight: 1 }) },
            model_info: { id: 'pair-b' },
          },
          { model_name: 'solo', litellm_params: { model: 'openai/gpt-4o', ...on(a) } },
          { model_name: 'primary', litellm_params: { model: 'openai/gpt-4o', ...on(a) } },
          { model_name: 'backup', litellm_params: { model: 'openai/gpt-4o-mini', ...on(b) } },
          {
            model_name: 'slow',
            litellm_params: {
              model: 'openai/gpt-4o',
              ...on(a, { timeout: 0.3, stream_timeout: 0.3 }),
            },
          },
        ],
        router_settings: {
          num_retries: 2,
          allowed_fails: 1,
          cooldown_time: 30,
          fallbacks: [{ primary: ['backup'] }],
        },
      },
      {
        gatewayOptions: {
          random: () => dice,
          sleep: async (ms) => {
            slept.push(ms);
          },
        },
      },
    );
  });
  afterAll(async () => {
    await t.close();
    await a.close();
    await b.close();
  });
  const ask = (model: string, signal?: AbortSignal) =>
    t
      .openai()
      .chat.completions.create(
        { model, messages: [{ role: 'user', content: 'Hi' }] },
        signal ? { signal } : {},
      )
      .then(
        (r) => r,
        (e: unknown) => e as Error,
      );

  it('simple shuffle follows the weights (3:1)', async () => {
    const [ba, bb] = [a.requests.length, b.requests.length];
    for (const r of [0.1, 0.5, 0.74, 0.76, 0.99]) {
      dice = r;
      await ask('pair');
    }
    expect(a.requests.length - ba).toBe(3);
    expect(b.requests.length - bb).toBe(2);
  });

  it('a 500 is retried on the other deployment; after allowed_fails the failing one cools down', async () => {
    dice = 0; // always prefers pair-a first
    const [ba, bb] = [a.requests.length, b.requests.length];
    a.next({ kind: 'error', status: 500 });
    const first = await ask('pair');
    expect(first).not.toBeInstanceOf(Error);
    expect([a.requests.length - ba, b.requests.length - bb]).toEqual([1, 1]);
    a.next({ kind: 'error', status: 503 });
    await ask('pair');
    // Two failures in the minute > allowed_fails (1): pair-a is cooling down, b takes the traffic.
    const [ca, cb] = [a.requests.length, b.requests.length];
    await ask('pair');
    await ask('pair');
    expect([a.requests.length - ca, b.requests.length - cb]).toEqual([0, 2]);
  });

  it('a connection failure counts as a retryable failure', async () => {
    const before = a.requests.length;
    a.next({ kind: 'reset' });
    const r = await ask('solo');
    expect(r).not.toBeInstanceOf(Error);
    expect(a.requests.length - before).toBe(2);
  });

  it('Retry-After on the only deployment is waited for, then the request is retried', async () => {
    slept.length = 0;
    a.next({ kind: 'error', status: 429, headers: { 'retry-after': '2' } });
    const r = await ask('solo');
    expect(r).not.toBeInstanceOf(Error);
    expect(slept).toEqual([2000]);
  });

  it('retries are bounded: 1 + num_retries attempts, then an OpenAI-shaped 502', async () => {
    const before = a.requests.length;
    a.next(...Array.from({ length: 3 }, () => ({ kind: 'error' as const, status: 502 })));
    const err = await ask('solo');
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect(a.requests.length - before).toBe(3);
  });

  it('fallbacks: when every attempt at a model fails, the fallback model answers', async () => {
    const bb = b.requests.length;
    a.next(...Array.from({ length: 3 }, () => ({ kind: 'error' as const, status: 503 })));
    const r = await ask('primary');
    expect(r).not.toBeInstanceOf(Error);
    expect(b.requests.length - bb).toBe(1);
    expect(b.requests[b.requests.length - 1]?.body.model).toBe('gpt-4o-mini');
  });

  it('an upstream that never answers gives a clean 504 after the timeout, not a hang', async () => {
    // The 504 itself is the proof: a hang would end in the test's own timeout instead.
    a.next({ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' });
    const err = await ask('slow');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_timeout');
  });

  it('a client abort cancels the upstream request (non-streaming)', async () => {
    const aborted = a.requests.filter((r) => r.aborted).length;
    a.next({ kind: 'hang' });
    const controller = new AbortController();
    const pending = ask('solo', controller.signal);
    while (!a.requests.some((r) => !r.finished && !r.aborted))
      await new Promise((r) => setImmediate(r));
    controller.abort();
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
    await a.waitForAborts(aborted + 1);
  });

  it('a client abort mid-stream cancels the upstream stream and the spend log says aborted', async () => {
    const aborted = a.requests.filter((r) => r.aborted).length;
    a.next({ kind: 'gate', release: new Promise<void>(() => undefined) });
    const controller = new AbortController();
    const stream = await t
      .openai()
      .chat.completions.create(
        { model: 'solo', messages: [{ role: 'user', content: 'Hi' }], stream: true },
        { signal: controller.signal },
      );
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    controller.abort();
    await a.waitForAborts(aborted + 1);
    let row: { status: string; usage_estimated: number } | undefined;
    while (!row) {
      await t.gateway.flushSpend();
      row = await t.db.kysely
        .selectFrom('spend_logs')
        .select(['status', 'usage_estimated'])
        .where('status', '=', 'aborted')
        .where('stream', '=', 1)
        .executeTakeFirst();
    }
    expect(row).toEqual({ status: 'aborted', usage_estimated: 1 });
  });
});
