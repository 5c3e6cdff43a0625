import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayTestApp, gatewayApp } from '../support/gateway.js';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream/server.js';
import { createKey } from '../support/seed.js';

/** The official openai SDK against Gatehouse against a loopback server speaking OpenAI's format. */
describe('gateway: OpenAI and OpenAI-compatible upstreams, through the openai SDK', () => {
  let mock: MockUpstream;
  let t: GatewayTestApp;
  let key: string;

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await gatewayApp('sqlite', {
      model_list: [
        {
          model_name: 'gpt-4o-mini',
          litellm_params: {
            model: 'openai/gpt-4o-mini',
            api_base: `${mock.url}/v1`,
            api_key: 'sk-upstream-secret',
          },
        },
        {
          model_name: 'local-llama',
          litellm_params: { model: 'hosted_vllm/meta-llama/Llama-3-8B', api_base: mock.url },
        },
        {
          model_name: 'embed',
          litellm_params: {
            model: 'openai/text-embedding-3-small',
            api_base: `${mock.url}/v1`,
            api_key: 'sk-upstream-secret',
          },
        },
      ],
    });
    key = (await createKey(t, { user_id: null })).key;
  });
  afterAll(async () => {
    await t.close();
    await mock.close();
  });

  it('chat: relays the completion and sends the upstream model with the configured key', async () => {
    const before = mock.requests.length;
    const r = await t.openai(key).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(r.choices[0]?.message.content).toMatch(/^mock reply/);
    const sent = mock.requests[before];
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.body.model).toBe('gpt-4o-mini');
    expect(sent?.headers.authorization).toBe('Bearer sk-upstream-secret');
    // The client's key never travels upstream.
    expect(JSON.stringify(sent?.headers)).not.toContain(key);
  });

  it('hosted_vllm: api_base without /v1 gets it, and no Authorization when no api_key', async () => {
    const before = mock.requests.length;
    await t.openai(key).chat.completions.create({
      model: 'local-llama',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const sent = mock.requests[before];
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.body.model).toBe('meta-llama/Llama-3-8B');
    expect(sent?.headers.authorization).toBeUndefined();
  });

  it('streaming: the first chunk reaches the client before the upstream has sent its last', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    mock.next({ kind: 'gate', release: gate });
    const before = mock.requests.length;
    const stream = await t.openai(key).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    // The upstream is still holding the rest of its stream back.
    expect(mock.requests[before]?.finished).toBe(false);
    expect(first.value?.choices[0]?.delta.role).toBe('assistant');
    release();
    const rest: string[] = [];
    for (let n = await it.next(); !n.done; n = await it.next()) {
      rest.push(n.value.choices[0]?.delta.content ?? '');
    }
    expect(rest.join('')).toMatch(/^gated reply/);
  });

  it('streaming: Gatehouse asks for usage, and keeps the usage chunk from a client that did not', async () => {
    const before = mock.requests.length;
    const stream = await t.openai(key).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(mock.requests[before]?.body.stream_options).toEqual({ include_usage: true });
    expect(chunks.some((c) => c.choices.length === 0)).toBe(false);
    expect(chunks.every((c) => !c.usage)).toBe(true);
  });

  it('streaming: a client that asks for usage gets the usage chunk', async () => {
    const stream = await t.openai(key).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.prompt_tokens).toBe(mock.reported[mock.reported.length - 1]?.prompt);
  });

  it('embeddings', async () => {
    const r = await t.openai(key).embeddings.create({ model: 'embed', input: ['a', 'b'] });
    expect(r.data).toHaveLength(2);
    expect(mock.requests[mock.requests.length - 1]?.path).toBe('/v1/embeddings');
  });

  it('models list, with and without the /v1 prefix', async () => {
    const page = await t.openai(key).models.list();
    expect(page.data.map((m) => m.id).sort()).toEqual(['embed', 'gpt-4o-mini', 'local-llama']);
    const bare = await fetch(t.baseURL.replace(/\/v1$/, '/models'), {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(((await bare.json()) as { data: unknown[] }).data).toHaveLength(3);
  });

  it('chat without the /v1 prefix, authenticated with Azure-style api-key, echoes x-request-id', async () => {
    const res = await fetch(t.baseURL.replace(/\/v1$/, '/chat/completions'), {
      method: 'POST',
      headers: {
        'api-key': key,
        'content-type': 'application/json',
        'x-request-id': 'req-abc.123',
      },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-abc.123');
  });

  it('upstream 429 with Retry-After: the SDK gets a RateLimitError with Retry-After, after bounded retries', async () => {
    const before = mock.requests.length;
    mock.next({
      kind: 'error',
      status: 429,
      type: 'rate_limit_error',
      message: 'slow down',
      headers: { 'retry-after': '30' },
    });
    const err = await t
      .openai(key)
      .chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.headers.get('retry-after')).toBe('30');
    expect(e.code).toBe('upstream_rate_limited');
    // Retry-After (30 s) is longer than Gatehouse waits inside a request: one attempt, no hammering.
    expect(mock.requests.length - before).toBe(1);
  });

  it('upstream 400: the provider message reaches the client as a BadRequestError, not retried', async () => {
    const before = mock.requests.length;
    mock.next({
      kind: 'error',
      status: 400,
      type: 'invalid_request_error',
      message: "'temperature' must be <= 2",
    });
    const err = await t
      .openai(key)
      .chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 5,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain("'temperature' must be <= 2");
    expect(mock.requests.length - before).toBe(1);
  });

  it('an unknown key gets 401 on every path, a known key 404 on an unknown path (OpenAI-shaped)', async () => {
    const bad = await fetch(`${t.baseURL}/no/such/route`, {
      headers: { authorization: 'Bearer sk-nope' },
    });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe(
      'authentication_error',
    );
    const none = await fetch(`${t.baseURL}/no/such/route`);
    expect(none.status).toBe(401);
    const known = await fetch(`${t.baseURL}/no/such/route`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(known.status).toBe(404);
    expect(await known.json()).toMatchObject({
      error: { type: 'not_found_error', code: 'route_not_found' },
    });
  });

  it('Fastify errors come out OpenAI-shaped: bad JSON, body too large, unknown model', async () => {
    const post = (body: string) =>
      fetch(`${t.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      });
    const badJson = await post('{"model":');
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_request' },
    });
    const huge = await post(
      JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x'.repeat(17 * 1024 * 1024) }],
      }),
    );
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    const unknown = await post(
      JSON.stringify({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: { code: 'model_not_found', type: 'invalid_request_error' },
    });
  });
});
