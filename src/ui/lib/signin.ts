/**
 * Where to go after signing in: only a path inside this app. `//evil.example` and absolute URLs
 * would turn the sign-in page into an open redirect.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  return next;
}

export interface SignInFailure {
  reference: string;
  message: string;
}

/**
 * A failed SSO sign-in comes back as `?error=<reference id>&message=…`. Only the reference and a
 * bounded message are shown (as text): never tokens, never a stack trace.
 */
export function signInFailure(search: URLSearchParams): SignInFailure | null {
  const reference = search.get('error');
  if (!reference) return null;
  const message = (search.get('message') ?? 'Sign-in failed.').slice(0, 500);
  return { reference: reference.slice(0, 100), message };
}

/** A login URL from Gatehouse, followed only if it is a web address (never `javascript:`). */
export function safeLoginUrl(url: string, base: string): string | null {
  try {
    const u = new URL(url, base);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}
