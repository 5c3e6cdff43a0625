import { describe, expect, it } from 'vitest';
import { toMessagesRequest } from './request.js';
import { anthropicUsage, toChatCompletion } from './response.js';
import { AnthropicStream } from './stream.js';

describe('anthropic translation (pure)', () => {
  it('merges neighbouring turns of one role and maps images', () => {
    const out = toMessagesRequest(
      {
        model: 'claude',
        messages: [
          { role: 'user', content: 'a' },
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }],
          },
        ],
        max_completion_tokens: 100,
      },
      'claude-x',
      false,
    );
    expect(out).toEqual({
      model: 'claude-x',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
          ],
        },
      ],
    });
  });

  it('refuses what it cannot translate instead of dropping it', () => {
    expect(() =>
      toMessagesRequest(
        { model: 'c', messages: [{ role: 'user', content: 'x' }], n: 2 },
        'c',
        false,
      ),
    ).toThrow(/n other than 1/);
    expect(() =>
      toMessagesRequest(
        {
          model: 'c',
          messages: [{ role: 'user', content: 'x' }],
          response_format: { type: 'json_object' },
        },
        'c',
        false,
      ),
    ).toThrow(/response_format/);
    expect(() =>
      toMessagesRequest({ model: 'c', messages: [{ role: 'wizard', content: 'x' }] }, 'c', false),
    ).toThrow(/role/);
  });

  it('counts cache reads and writes into prompt tokens', () => {
    expect(
      anthropicUsage({
        input_tokens: 5,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 20,
        output_tokens: 7,
      }),
    ).toEqual({
      promptTokens: 125,
      completionTokens: 7,
      cacheReadTokens: 100,
      cacheWriteTokens: 20,
    });
    const r = JSON.parse(
      toChatCompletion(
        JSON.stringify({ id: 'm', model: 'c', content: [], stop_reason: 'max_tokens', usage: {} }),
        1,
      ).body,
    );
    expect(r.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: null } });
  });

  it('streams tool use as OpenAI tool call deltas', () => {
    const s = new AnthropicStream({ clientWantsUsage: false, created: 1 });
    const out = [
      { type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 3 } } },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'tu', name: 'f' },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{"a":' },
      },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } },
      { type: 'message_stop' },
    ]
      .map((e) => s.event(null, JSON.stringify(e)))
      .filter(Boolean)
      .map((t) => JSON.parse(t.slice(6)));
    expect(out[1].choices[0].delta.tool_calls[0]).toEqual({
      index: 0,
      id: 'tu',
      type: 'function',
      function: { name: 'f', arguments: '' },
    });
    expect(out[2].choices[0].delta.tool_calls[0]).toEqual({
      index: 0,
      function: { arguments: '{"a":' },
    });
    expect(out[3].choices[0].finish_reason).toBe('tool_calls');
    expect(out).toHaveLength(4); // no usage chunk: the client did not ask
    expect(s.usage()).toMatchObject({ promptTokens: 3, completionTokens: 9 });
  });
});
