/** Where a person lands after sign-in when nothing (acceptable) was asked for. */
export const DEFAULT_RETURN_TO = '/ui/';

/** Long enough for any UI route with a query; longer values are refused, not truncated. */
const MAX_LENGTH = 1024;

/**
 * The only redirect targets accepted after sign-in: relative paths inside the admin UI. Anything
 * else (absolute URLs, scheme-relative `//host`, backslash tricks browsers read as `//`, control
 * characters, encoded slashes or dots that a later decode turns into one of those) falls back to
 * the default, so a crafted login link cannot send a freshly signed-in person to another site.
 * Works on the raw string, and also refuses what `URL` would resolve away from our origin.
 */
export function safeReturnTo(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_LENGTH) {
    return DEFAULT_RETURN_TO;
  }
  if (!raw.startsWith('/ui/') && raw !== '/ui') return DEFAULT_RETURN_TO;
  // Backslashes (browsers treat `/\` like `//`), whitespace and control characters never
  // appear in a UI path we generate.
  if (/[\\\s]/.test(raw) || [...raw].some((c) => c.charCodeAt(0) < 0x20 || c === '\x7f')) {
    return DEFAULT_RETURN_TO;
  }
  // Percent-encoded separators, dots and backslashes only serve to smuggle one of the above past
  // a check (or a proxy that decodes once more). `%25` would let them be double-encoded.
  if (/%(2f|5c|2e|25|0|1|7f)/i.test(raw)) return DEFAULT_RETURN_TO;
  // Dot segments could climb out of /ui/.
  const path = raw.split(/[?#]/, 1)[0] ?? '';
  if (path.split('/').some((seg) => seg === '.' || seg === '..')) return DEFAULT_RETURN_TO;
  // Last line of defence: resolved against a stand-in origin it must stay on it, under /ui.
  const base = 'https://gatehouse.invalid';
  let resolved: URL;
  try {
    resolved = new URL(raw, base);
  } catch {
    return DEFAULT_RETURN_TO;
  }
  if (resolved.origin !== base) return DEFAULT_RETURN_TO;
  if (resolved.pathname !== '/ui' && !resolved.pathname.startsWith('/ui/')) {
    return DEFAULT_RETURN_TO;
  }
  return raw === '/ui' ? DEFAULT_RETURN_TO : raw;
}
