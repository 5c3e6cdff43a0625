import { type Dispatcher, Pool } from 'undici';
import { AppError } from '../errors/catalogue.js';
import type { UpstreamRequest } from './providers/types.js';

export interface UpstreamOptions {
  /** TCP/TLS connect timeout. */
  connectTimeoutMs: number;
  /** Most sockets per upstream origin. */
  connections: number;
}

export const DEFAULT_UPSTREAM: UpstreamOptions = { connectTimeoutMs: 10_000, connections: 256 };

/** One keep-alive undici Pool per upstream origin, for the app's lifetime. */
export class Upstreams {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly opts: UpstreamOptions = DEFAULT_UPSTREAM) {}

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (!p) {
      p = new Pool(origin, {
        connections: this.opts.connections,
        connect: { timeout: this.opts.connectTimeoutMs },
        keepAliveTimeout: 30_000,
      });
      this.pools.set(origin, p);
    }
    return p;
  }

  send(
    req: UpstreamRequest,
    opts: { signal: AbortSignal; headersTimeout: number; bodyTimeout: number },
  ): Promise<Dispatcher.ResponseData> {
    return this.pool(req.origin).request({
      method: 'POST',
      path: req.path,
      headers: req.headers,
      body: req.body,
      signal: opts.signal,
      headersTimeout: opts.headersTimeout,
      bodyTimeout: opts.bodyTimeout,
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.destroy()));
    this.pools.clear();
  }
}

const TIMEOUTS = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/** A failed upstream call in catalogue terms; the deployment is named, the key never is. */
export function transportError(err: unknown, deployment: string): AppError {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && TIMEOUTS.has(code)) {
    return new AppError('upstream_timeout', `Deployment ${deployment} did not answer in time.`);
  }
  const detail = typeof code === 'string' ? code : 'connection failed';
  return new AppError(
    'upstream_error',
    `Deployment ${deployment} could not be reached (${detail}).`,
  );
}

/** Seconds or an HTTP date in Retry-After; OpenAI also sends `retry-after-ms`. */
export function retryAfterMs(
  headers: Record<string, string | string[] | undefined>,
  now: number,
): number | null {
  const ms = headers['retry-after-ms'];
  if (typeof ms === 'string' && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);
  const ra = headers['retry-after'];
  if (typeof ra !== 'string') return null;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Number(ra.trim()) * 1000;
  const at = Date.parse(ra);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
