import { usageFromBody } from '../../usage.js';
import { openAiFailure, originAndPath } from '../base.js';
import { openAiBody } from '../openai/index.js';
import { OpenAiPassThrough } from '../openai/stream.js';
import type { HttpAdapter, Operation, UpstreamRequest } from '../types.js';

const PATHS: Record<Operation, string> = { chat: '/chat/completions', embeddings: '/embeddings' };

/** `stream_options.include_usage` exists from API version 2024-09-01-preview on. */
export function azureStreamsUsage(apiVersion: string): boolean {
  return apiVersion.slice(0, 10) >= '2024-09-01';
}

/**
 * Azure OpenAI: the deployment (the part after `azure/`) is in the path, the API version in
 * the query, the key in the `api-key` header; the body and the answers are OpenAI's.
 */
export const azureAdapter: HttpAdapter = {
  name: 'azure',
  supports: () => true,
  request(op, body, d, stream): UpstreamRequest {
    const { origin, path } = originAndPath(d.apiBase);
    const version = d.apiVersion ?? '';
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (d.apiKey) headers['api-key'] = d.apiKey;
    return {
      origin,
      path: `${path}/openai/deployments/${encodeURIComponent(d.model)}${PATHS[op]}?api-version=${encodeURIComponent(version)}`,
      headers,
      body: openAiBody(body, d.model, stream, azureStreamsUsage(version)),
    };
  },
  response: (_op, raw) => ({ body: raw, usage: usageFromBody(raw) }),
  stream: (_d, opts) => new OpenAiPassThrough(opts),
  failure: openAiFailure,
};
