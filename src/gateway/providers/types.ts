/**
 * What every provider adapter implements. Adapters are pure translations between OpenAI's wire
 * format (what clients speak to Gatehouse) and the provider's; the gateway does all the I/O.
 */

export type Operation = 'chat' | 'embeddings';

/** Token counts as OpenAI reports them; cache counts are parts of `promptTokens`. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export const NO_USAGE: Usage = {
  promptTokens: 0,
  completionTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
};

/** One model_list entry, resolved. */
export interface Deployment {
  /** model_info.id, else `<model_name>#<position in model_list>`. */
  id: string;
  /** The public name clients send as `model`. */
  modelName: string;
  /** The adapter that speaks to it: openai, azure, anthropic, fake. */
  adapter: AdapterName;
  /** The provider prefix as written (`hosted_vllm`, `ollama`, …), for prices and logs. */
  provider: string;
  /** The provider's model name (after the `provider/` prefix); for Azure, the deployment. */
  model: string;
  apiBase: string;
  apiKey: string | null;
  apiVersion: string | null;
  organization: string | null;
  /** Relative share of traffic (simple shuffle). */
  weight: number;
  timeoutMs: number;
  streamTimeoutMs: number;
  /** Cap on attempts at this deployment within one request (1 + max_retries). */
  maxAttempts: number;
  /** Only for the fake provider. */
  mockResponse: string | null;
  mockDelayMs: number;
}

export type AdapterName = 'openai' | 'azure' | 'anthropic' | 'fake';

/** A request to send upstream: the gateway picks the pool by origin. */
export interface UpstreamRequest {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The parsed client body. Only the fields the gateway itself reads are typed. */
export interface ClientBody {
  model: string;
  stream?: unknown;
  stream_options?: unknown;
  [field: string]: unknown;
}

export interface StreamOptions {
  /** The client asked for the usage chunk (`stream_options.include_usage`). */
  clientWantsUsage: boolean;
  /** Creation time (epoch seconds) for translated chunks. */
  created: number;
}

/**
 * Turns the upstream's server-sent events into OpenAI chunks, incrementally. `event` returns the
 * text to write to the client now ('' for nothing): never holds back a complete event.
 */
export interface StreamTranslator {
  event(name: string | null, data: string): string;
  /** Called at the upstream's end; returns the closing text (`data: [DONE]`). */
  end(): string;
  usage(): Usage | null;
  /** Content chunks relayed so far: the completion-token estimate when a stream is cut off. */
  readonly contentChunks: number;
  /** Set when the upstream reported an error inside the stream. */
  readonly failed: boolean;
}

export interface UpstreamFailure {
  message: string;
  /** The provider's error type, when it gave one. */
  type: string | null;
}

export interface HttpAdapter {
  readonly name: Exclude<AdapterName, 'fake'>;
  supports(op: Operation): boolean;
  request(op: Operation, body: ClientBody, d: Deployment, stream: boolean): UpstreamRequest;
  /** A 2xx non-streaming body: what to send the client, and the usage it reports. */
  response(
    op: Operation,
    raw: string,
    d: Deployment,
    meta: { created: number },
  ): { body: string; usage: Usage | null };
  stream(d: Deployment, opts: StreamOptions): StreamTranslator;
  failure(status: number, raw: string): UpstreamFailure;
}
