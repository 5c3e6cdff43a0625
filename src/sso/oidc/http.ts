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

/** A reason for the log that says what failed without echoing response bodies. */
export function describeFetchError(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timed out';
  const code = err?.cause?.code;
  if (code) return `${code}${err.cause?.message ? ` (${err.cause.message})` : ''}`;
  return err?.message ?? String(e);
}
