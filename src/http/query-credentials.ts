import { AppError } from '../errors/catalogue.js';

/**
 * Query parameters that clients (and LiteLLM's docs for some SDKs) use to carry a key. A URL is
 * written to access logs, proxies' logs and browser history, so such a value must neither be
 * accepted nor logged.
 */
export const CREDENTIAL_QUERY_PARAMS = ['key', 'api_key', 'api-key', 'access_token', 'token'];
const CREDENTIAL = new Set(CREDENTIAL_QUERY_PARAMS);

const isCredential = (name: string): boolean => CREDENTIAL.has(name.toLowerCase());

/** The URL with the value of every credential-carrying query parameter replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const end = hash < 0 ? url.length : hash;
  const pairs = url.slice(q + 1, end).split('&');
  const redacted = pairs.map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      // A broken percent-encoding: judge the name as written.
    }
    return isCredential(name) ? `${rawName}=[redacted]` : pair;
  });
  return `${url.slice(0, q + 1)}${redacted.join('&')}${url.slice(end)}`;
}

/** The first credential-carrying parameter of a parsed query string, if any. */
export function credentialParam(query: unknown): string | null {
  if (!query || typeof query !== 'object') return null;
  return Object.keys(query).find(isCredential) ?? null;
}

/** A key in the URL is refused outright, with what to do instead. */
export function refuseQueryCredential(query: unknown): void {
  const name = credentialParam(query);
  if (name === null) return;
  throw new AppError(
    'invalid_request',
    `Do not send a key in the URL (query parameter "${name}"): URLs end up in logs. Send it as "Authorization: Bearer <key>".`,
  );
}
