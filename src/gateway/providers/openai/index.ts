import { usageFromBody } from '../../usage.js';
import { openAiFailure, originAndPath } from '../base.js';
import type { ClientBody, Deployment, HttpAdapter, Operation, UpstreamRequest } from '../types.js';
import { OpenAiPassThrough } from './stream.js';

const PATHS: Record<Operation, string> = { chat: '/chat/completions', embeddings: '/embeddings' };

/** Sets the upstream model and asks for the usage chunk on streams; keeps everything else. */
export function openAiBody(
  body: ClientBody,
  model: string,
  stream: boolean,
  usage: boolean,
): string {
  body.model = model;
  if (stream && usage) {
    const given = body.stream_options;
    body.stream_options =
      given && typeof given === 'object'
        ? { ...given, include_usage: true }
        : { include_usage: true };
  }
  return JSON.stringify(body);
}

/** OpenAI itself and any OpenAI-compatible server (vLLM, Ollama, LiteLLM, …) at `api_base`. */
export const openAiAdapter: HttpAdapter = {
  name: 'openai',
  supports: () => true,
  request(op, body, d, stream): UpstreamRequest {
    const { origin, path } = originAndPath(d.apiBase);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (d.apiKey) headers.authorization = `Bearer ${d.apiKey}`;
    if (d.organization) headers['openai-organization'] = d.organization;
    return {
      origin,
      path: path + PATHS[op],
      headers,
      body: openAiBody(body, d.model, stream, true),
    };
  },
  response: (_op, raw) => ({ body: raw, usage: usageFromBody(raw) }),
  stream: (_d: Deployment, opts) => new OpenAiPassThrough(opts),
  failure: openAiFailure,
};
