import { randomBytes } from 'node:crypto';

/**
 * The page a person sees when a sign-in fails. It says what went wrong in words they can act on
 * and gives a reference id that an admin finds in the audit and server logs. It never carries a
 * token, a stack trace or raw IdP output, and everything interpolated is escaped; the page runs
 * no script, and the Content-Security-Policy sent with it forbids any.
 */
export interface SignInErrorPage {
  /** Short heading, e.g. "Sign-in failed". */
  title?: string;
  /** What went wrong, in words (the catalogue message or a reason sentence). */
  message: string;
  /** Id of this failure in the audit and server logs. */
  reference: string;
  /** The connection's label ("Okta"), when the failure belongs to one. */
  connectionName?: string | null;
  /** A relative URL to try again (the connection's login URL), when one makes sense. */
  retryUrl?: string | null;
}

export interface RenderedPage {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** No script, no plugins, no framing, styles only from the page itself. */
export const ERROR_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function errorPageHeaders(): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': ERROR_PAGE_CSP,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

/** A reference id: short enough to read over the phone, random enough not to collide. */
export function newReference(): string {
  const raw = randomBytes(6).toString('hex').toUpperCase();
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

/** Only same-origin relative paths may be linked: a reason text can never become a link target. */
function safeRetry(url: string | null | undefined): string | null {
  if (!url?.startsWith('/') || url.startsWith('//') || url.includes('\\')) return null;
  return url;
}

export function renderSignInErrorPage(page: SignInErrorPage, status = 400): RenderedPage {
  const title = escapeHtml(page.title ?? 'Sign-in failed');
  const via = page.connectionName
    ? `<p class="via">Signing in with ${escapeHtml(page.connectionName)}</p>`
    : '';
  const retry = safeRetry(page.retryUrl);
  const actions = [
    retry ? `<a href="${escapeHtml(retry)}">Try again</a>` : '',
    '<a href="/ui/">Back to Gatehouse</a>',
  ]
    .filter(Boolean)
    .join(' · ');
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · Gatehouse</title>
<style>
body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}.via{color:#59636e}.ref{font-family:ui-monospace,monospace;background:#f6f8fa;padding:.1rem .3rem}
</style>
</head>
<body>
<main>
<h1>${title}</h1>
${via}
<p>${escapeHtml(page.message)}</p>
<p>If this keeps happening, give your administrator this reference: <span class="ref">${escapeHtml(page.reference)}</span></p>
<p>${actions}</p>
</main>
</body>
</html>
`;
  return { status, headers: errorPageHeaders(), body };
}
