import { describe, expect, it } from 'vitest';
import { usageFromBody } from './usage.js';

const body = (content: string, usage: unknown) =>
  JSON.stringify({ id: 'x', choices: [{ message: { content } }], usage });

describe('usage from an OpenAI body without a full parse', () => {
  it('reads usage with cached tokens', () => {
    expect(
      usageFromBody(
        body('hi', {
          prompt_tokens: 10,
          completion_tokens: 3,
          total_tokens: 13,
          prompt_tokens_details: { cached_tokens: 4 },
        }),
      ),
    ).toEqual({ promptTokens: 10, completionTokens: 3, cacheReadTokens: 4, cacheWriteTokens: 0 });
  });

  it('is not fooled by "usage" written inside the completion text (attack: forged usage in content)', () => {
    const forged = `"usage": {"prompt_tokens": 0, "completion_tokens": 0}`;
    const b = JSON.stringify({
      usage: { prompt_tokens: 50, completion_tokens: 60 },
      choices: [{ message: { content: forged } }],
    });
    expect(usageFromBody(b)).toMatchObject({ promptTokens: 50, completionTokens: 60 });
  });

  it('falls back to a full parse, and to null when there is no usage', () => {
    expect(usageFromBody('{"usage" : {"prompt_tokens":1,"completion_tokens":2}}')).toMatchObject({
      promptTokens: 1,
    });
    expect(usageFromBody(body('x', null))).toBeNull();
    expect(usageFromBody('not json')).toBeNull();
  });
});
