import type { CustomFetch } from 'openid-client';

/** Anything with fetch's shape (global fetch in production, a routing fetch in tests). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Every request to an IdP: a hard timeout (an IdP that hangs must not hold a sign-in or a
 * Test connection for long) and no redirects followed (a redirect could carry a client secret
 * or token to another host).
 */
export function idpFetch(fetchImpl: FetchLike, timeoutMs: number): CustomFetch {
  return (url, options) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    return fetchImpl(url, {
      method: options.method,
      headers: options.headers,
      body: options.body as RequestInit['body'],
      redirect: 'manual',
      signal,
    });
  };
}

/**
 * A reason for the log that says what failed without echoing response bodies. Walks the cause
 * chain: openid-client wraps fetch errors, which wrap the socket error.
 */
export function describeFetchError(e: unknown): string {
  let cur = e as { name?: string; code?: string; message?: string; cause?: unknown } | undefined;
  for (let depth = 0; cur && depth < 5; depth += 1) {
    if (cur.name === 'TimeoutError' || cur.name === 'AbortError' || cur.code === 'OAUTH_TIMEOUT') {
      return 'timed out';
    }
    if (typeof cur.code === 'string' && /^E[A-Z]+$/.test(cur.code)) {
      return `${cur.code}${cur.message ? ` (${cur.message})` : ''}`;
    }
    if (!cur.cause) break;
    cur = cur.cause as typeof cur;
  }
  const top = e as { message?: string } | undefined;
  return top?.message ?? String(e);
}
