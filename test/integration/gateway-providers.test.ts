import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayTestApp, gatewayApp } from '../support/gateway.js';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream/server.js';
import { createKey } from '../support/seed.js';

describe('gateway: Azure OpenAI and Anthropic wire formats, through the openai SDK', () => {
  let mock: MockUpstream;
  let t: GatewayTestApp;
  let key: string;

  beforeAll(async () => {
    mock = await startMockUpstream();
    t = await gatewayApp('sqlite', {
      model_list: [
        {
          model_name: 'gpt-4o',
          litellm_params: {
            model: 'azure/gpt-4o-prod',
            api_base: mock.url,
            api_key: 'azure-secret',
            api_version: '2024-10-21',
          },
        },
        {
          model_name: 'old-azure',
          litellm_params: {
            model: 'azure/gpt-35',
            api_base: mock.url,
            api_key: 'azure-secret',
            api_version: '2024-02-01',
          },
        },
        {
          model_name: 'ada',
          litellm_params: { model: 'azure/ada-002', api_base: mock.url, api_key: 'azure-secret' },
        },
        {
          model_name: 'claude',
          litellm_params: {
            model: 'anthropic/claude-3-5-haiku-latest',
            api_base: mock.url,
            api_key: 'anthropic-secret',
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
  const last = () => mock.requests[mock.requests.length - 1];

  it('azure: deployment in the path, api-version in the query, api-key header', async () => {
    const r = await t
      .openai(key)
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
    expect(r.choices[0]?.message.content).toMatch(/^mock reply/);
    expect(last()?.path).toBe(
      '/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21',
    );
    expect(last()?.headers['api-key']).toBe('azure-secret');
    expect(last()?.headers.authorization).toBeUndefined();
  });

  it('azure: streaming asks for usage on API versions that have it, and not on older ones', async () => {
    for await (const _ of await t.openai(key).chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    })) {
      // drain
    }
    expect(last()?.body.stream_options).toEqual({ include_usage: true });
    const chunks: string[] = [];
    for await (const c of await t.openai(key).chat.completions.create({
      model: 'old-azure',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    })) {
      chunks.push(c.choices[0]?.delta.content ?? '');
    }
    expect(last()?.body.stream_options).toBeUndefined();
    expect(chunks.join('')).toMatch(/^mock reply/);
  });

  it('azure: embeddings with the default API version', async () => {
    const r = await t.openai(key).embeddings.create({ model: 'ada', input: 'hello' });
    expect(r.data).toHaveLength(1);
    expect(last()?.path).toBe('/openai/deployments/ada-002/embeddings?api-version=2024-10-21');
  });

  it('anthropic: chat is translated to a Messages request (system, max_tokens, tools, tool results)', async () => {
    await t.openai(key).chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18C' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
      tool_choice: 'required',
      stop: 'END',
      temperature: 0.2,
    });
    const sent = last();
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.headers['x-api-key']).toBe('anthropic-secret');
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent?.body).toEqual({
      model: 'claude-3-5-haiku-latest',
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '18C' }] },
      ],
      max_tokens: 4096,
      temperature: 0.2,
      stop_sequences: ['END'],
      tools: [
        {
          name: 'weather',
          input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        },
      ],
      tool_choice: { type: 'any' },
    });
  });

  it('anthropic: the Messages answer comes back as a chat completion with usage and tool calls', async () => {
    mock.next({
      kind: 'ok',
      text: 'Checking.',
      usage: { prompt: 40, completion: 9 },
      toolUse: { name: 'weather', input: { city: 'Oslo' } },
    });
    const r = await t
      .openai(key)
      .chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Oslo?' }] });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]?.message.content).toBe('Checking.');
    expect(r.choices[0]?.finish_reason).toBe('tool_calls');
    expect(r.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      id: 'toolu_mock',
      type: 'function',
      function: { name: 'weather', arguments: '{"city":"Oslo"}' },
    });
    expect(r.usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 9, total_tokens: 49 });
  });

  it('anthropic: stream events become OpenAI chunks (role, text deltas, finish, usage)', async () => {
    mock.next({ kind: 'ok', text: 'one two three', usage: { prompt: 12, completion: 3 } });
    const stream = await t.openai(key).chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'Count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('one two three');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks[chunks.length - 1]?.usage).toMatchObject({
      prompt_tokens: 12,
      completion_tokens: 3,
    });
    expect(last()?.body.stream).toBe(true);
  });

  it('anthropic: errors are mapped (overloaded 529 → retried, then an OpenAI-shaped 502; 400 → BadRequestError)', async () => {
    const before = mock.requests.length;
    mock.next(
      { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' },
      { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' },
      { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' },
    );
    const overloaded = await t
      .openai(key)
      .chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(OpenAI.InternalServerError);
    expect((overloaded as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((overloaded as Error).message).toContain('Overloaded');
    expect(mock.requests.length - before).toBe(3); // 1 + num_retries (2)

    mock.next({
      kind: 'error',
      status: 400,
      type: 'invalid_request_error',
      message: 'max_tokens: too large',
    });
    const bad = await t
      .openai(key)
      .chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as Error).message).toContain('max_tokens: too large');
  });

  it('anthropic: embeddings are refused with a clear 400, without calling upstream', async () => {
    const before = mock.requests.length;
    const err = await t
      .openai(key)
      .embeddings.create({ model: 'claude', input: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain('does not support embeddings');
    expect(mock.requests.length).toBe(before);
  });
});
