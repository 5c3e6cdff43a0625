import type { CustomFetch } from 'openid-client';

/** Anything with fetch's shape (global fetch in production, a routing fetch in tests). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export const DEFAULT_TIMEOUT_MS = 10_000;

/** The most Gatehouse reads of any IdP answer (discovery, keys, tokens); far above real ones. */
export const MAX_IDP_BODY_BYTES = 1024 * 1024;

const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * Answers whose body stream fails once it passes `maxBytes`, hanging up on the IdP: parsing
 * reads whole bodies, and an issuer (or anyone on the path of an http:// one) must not be able
 * to make Gatehouse buffer an endless one. Content-Length is not trusted (chunked has none).
 */
export function cappedFetch(inner: FetchLike, maxBytes = MAX_IDP_BODY_BYTES): FetchLike {
  return async (url, init) => {
    const res = await inner(url, init);
    if (!res.body || NULL_BODY.has(res.status)) return res;
    let size = 0;
    const counted = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          size += chunk.byteLength;
          if (size > maxBytes) {
            controller.error(new Error(`the IdP's answer is larger than ${maxBytes} bytes`));
          } else {
            controller.enqueue(chunk);
          }
        },
      }),
    );
    return new Response(counted, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  };
}

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
