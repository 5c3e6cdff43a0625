import { originAndPath } from '../base.js';
import type { HttpAdapter, UpstreamRequest } from '../types.js';
import { toMessagesRequest } from './request.js';
import { anthropicFailure, toChatCompletion } from './response.js';
import { AnthropicStream } from './stream.js';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Anthropic's Messages API behind OpenAI's chat completions (no embeddings there). */
export const anthropicAdapter: HttpAdapter = {
  name: 'anthropic',
  supports: (op) => op === 'chat',
  request(_op, body, d, stream): UpstreamRequest {
    const { origin, path } = originAndPath(d.apiBase);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'anthropic-version': d.apiVersion ?? ANTHROPIC_VERSION,
    };
    if (d.apiKey) headers['x-api-key'] = d.apiKey;
    return {
      origin,
      path: `${path}/v1/messages`,
      headers,
      body: JSON.stringify(toMessagesRequest(body, d.model, stream)),
    };
  },
  response: (_op, raw, _d, meta) => toChatCompletion(raw, meta.created),
  stream: (_d, opts) => new AnthropicStream(opts),
  failure: anthropicFailure,
};
