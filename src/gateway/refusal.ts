import type { AppError } from '../errors/catalogue.js';
import { renderOpenAiError } from '../errors/render.js';
import { retryAfterOf } from './errors.js';
import { type Exchange, settled } from './exchange.js';
import type { GatewayDeps } from './handler.js';

export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The OpenAI-shaped answer to a failed request. A request refused before it reached a provider
 * gets its one log line and metric here; one that was settled already has both.
 */
export function refusal(
  deps: Pick<GatewayDeps, 'metrics' | 'log'>,
  ex: Pick<Exchange, 'id' | 'res' | 'principal' | 'body'>,
  err: AppError,
): ErrorAnswer {
  const headers: Record<string, string> = {};
  const retryAfter = retryAfterOf(err);
  if (retryAfter !== null) headers['retry-after'] = String(retryAfter);
  if (err.status === 401) headers['www-authenticate'] = 'Bearer';
  const answer = { status: err.status, headers, body: JSON.stringify(renderOpenAiError(err)) };
  if (settled.has(ex.res)) return answer;
  const model = (ex.body as { model?: unknown } | undefined)?.model;
  deps.metrics.request(typeof model === 'string' ? model : 'none', 'none', 'refused', 0, 0, 0, 0);
  deps.log.info(
    {
      reqId: ex.id,
      key: ex.principal?.keyId ?? (ex.principal?.kind === 'master' ? 'master' : null),
      model: typeof model === 'string' ? model : undefined,
      status: err.status,
      outcome: 'refused',
      code: err.code,
    },
    'gateway request',
  );
  return answer;
}
