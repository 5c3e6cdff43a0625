import type { Agent } from 'undici';
import {
  checkId,
  expectOk,
  graphErrorCode,
  type HttpResult,
  isRecord,
  newAgent,
  parseBase,
  parseHttpUrl,
  parseJson,
  redact,
  resolve,
  type Settings,
  safeNextLink,
  send,
  toGroup,
  waitMs,
} from './graph-http.js';
import {
  type ClosableGraphClient,
  type GraphClientOptions,
  GraphError,
  type GraphGroup,
  type MicrosoftGraphConfig,
} from './graph-types.js';

export * from './graph-types.js';

const TOKEN_EXPIRY_MARGIN_MS = 60_000;

/**
 * Microsoft Graph client for group sync: a user's transitive groups (Entra groups overage and
 * background sync), the groups assigned to the gateway's enterprise app, and group names.
 *
 * Gatehouse builds every Graph URL itself from `base_url` and validated object ids; the only URLs
 * it takes from a response are `@odata.nextLink`s, and only when they stay under `base_url`, so
 * the access token is never sent anywhere else. No redirects are followed.
 */

interface TokenSource {
  get(): Promise<string>;
  /** Forget `token` if it is still the cached one; returns whether a refresh is possible. */
  invalidate(token: string): boolean;
}

/** App-only client: client-credentials token from `{authority_host}/{tenant_id}/oauth2/v2.0/token`. */
export function microsoftGraphClient(
  cfg: MicrosoftGraphConfig,
  opts: GraphClientOptions = {},
): ClosableGraphClient {
  const base = parseBase(cfg.base_url);
  const authority = parseHttpUrl(cfg.authority_host, 'authority_host');
  if (!/^[A-Za-z0-9.-]{1,253}$/.test(cfg.tenant_id)) {
    throw new GraphError('bad_config', 'Microsoft Graph tenant_id is not a tenant id or domain');
  }
  const settings = resolve(opts);
  const agent = newAgent(settings);
  const tokenUrl = new URL(
    `${authority.pathname.replace(/\/+$/, '')}/${encodeURIComponent(cfg.tenant_id)}/oauth2/v2.0/token`,
    authority.origin,
  ).toString();
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: cfg.client_id,
    client_secret: cfg.client_secret,
    scope: `${base.origin}/.default`,
  }).toString();

  let cached: { token: string; refreshAt: number } | null = null;
  let inflight: Promise<string> | null = null;

  const fetchToken = async (): Promise<string> => {
    const res = await send(agent, settings, 'POST', tokenUrl, {
      headers: {
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form,
    });
    const body = parseJson(res.text);
    if (res.status < 200 || res.status > 299) {
      const err = isRecord(body) && typeof body.error === 'string' ? body.error : null;
      const desc =
        isRecord(body) && typeof body.error_description === 'string'
          ? body.error_description
          : null;
      const detail = [err, desc].filter((s) => s).join(': ') || `HTTP ${res.status}`;
      throw new GraphError(
        'token_failed',
        `Microsoft Graph token request failed: ${redact(detail, cfg.client_secret)}`,
        res.status,
        err,
      );
    }
    if (!isRecord(body) || typeof body.access_token !== 'string' || !body.access_token) {
      throw new GraphError('token_failed', 'token response has no access_token', res.status);
    }
    if (typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer') {
      throw new GraphError('token_failed', 'token response is not a Bearer token', res.status);
    }
    const expiresIn = Number(body.expires_in);
    const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 0;
    const margin = Math.min(TOKEN_EXPIRY_MARGIN_MS, lifetimeMs / 2);
    cached = { token: body.access_token, refreshAt: settings.now() + lifetimeMs - margin };
    return body.access_token;
  };

  const tokens: TokenSource = {
    get() {
      if (cached && settings.now() < cached.refreshAt) return Promise.resolve(cached.token);
      if (!inflight) {
        inflight = fetchToken().finally(() => {
          inflight = null;
        });
      }
      return inflight;
    },
    invalidate(token) {
      if (cached?.token === token) cached = null;
      return true;
    },
  };
  return buildClient(base, settings, agent, tokens);
}

/** Client that calls Graph with a signed-in user's delegated access token; never fetches tokens. */
export function delegatedGraphClient(
  cfg: Pick<MicrosoftGraphConfig, 'base_url'>,
  accessToken: string,
  opts: GraphClientOptions = {},
): ClosableGraphClient {
  const base = parseBase(cfg.base_url);
  const settings = resolve(opts);
  const tokens: TokenSource = {
    get: () => Promise.resolve(accessToken),
    invalidate: () => false,
  };
  return buildClient(base, settings, newAgent(settings), tokens);
}

function buildClient(
  base: URL,
  settings: Settings,
  agent: Agent,
  tokens: TokenSource,
): ClosableGraphClient {
  const basePath = base.pathname.replace(/\/+$/, '');
  const prefix = `${basePath}/`;
  const urlFor = (path: string, query: Record<string, string>): string => {
    const u = new URL(base.origin);
    u.pathname = `${basePath}/${path}`;
    // Graph wants `$select`, not `%24select`; the values used here need no escaping.
    u.search = Object.entries(query)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    return u.toString();
  };

  const get = async (url: string): Promise<HttpResult> => {
    let throttled = 0;
    let refreshed = false;
    for (;;) {
      const token = await tokens.get();
      const res = await send(agent, settings, 'GET', url, {
        headers: { accept: 'application/json', authorization: `Bearer ${token}` },
      });
      if (res.status === 401 && !refreshed && tokens.invalidate(token)) {
        refreshed = true;
        continue;
      }
      if (res.status === 429 || res.status === 503) {
        if (throttled >= settings.maxRetries) {
          throw new GraphError(
            'throttled',
            `Microsoft Graph still throttling after ${throttled} retries (HTTP ${res.status})`,
            res.status,
            graphErrorCode(res.text),
          );
        }
        await settings.sleep(waitMs(res, throttled, settings));
        throttled++;
        continue;
      }
      return res;
    }
  };

  const listAll = async (firstUrl: string): Promise<Record<string, unknown>[]> => {
    const items: Record<string, unknown>[] = [];
    const seen = new Set<string>();
    let url: string | null = firstUrl;
    let pages = 0;
    while (url !== null) {
      if (pages >= settings.maxPages) {
        throw new GraphError('too_many_pages', `more than ${settings.maxPages} pages from Graph`);
      }
      pages++;
      seen.add(url);
      const res = await get(url);
      expectOk(res);
      const body = parseJson(res.text);
      if (!isRecord(body) || !Array.isArray(body.value)) {
        throw new GraphError('bad_response', 'Graph list response has no value array', res.status);
      }
      for (const item of body.value) {
        if (!isRecord(item))
          throw new GraphError('bad_response', 'Graph list item is not an object');
        items.push(item);
      }
      const next = body['@odata.nextLink'];
      if (next === undefined || next === null) {
        url = null;
      } else if (typeof next !== 'string') {
        throw new GraphError('bad_response', '@odata.nextLink is not a string');
      } else {
        url = safeNextLink(next, base, prefix);
        if (seen.has(url)) throw new GraphError('bad_response', '@odata.nextLink repeats a page');
      }
    }
    return items;
  };

  return {
    async userGroups(userObjectId) {
      const oid = checkId(userObjectId, 'user object id');
      const items = await listAll(
        urlFor(`users/${oid}/transitiveMemberOf/microsoft.graph.group`, {
          $select: 'id,displayName',
          $top: '999',
        }),
      );
      const out = new Map<string, GraphGroup>();
      for (const item of items) {
        const g = toGroup(item.id, item.displayName);
        if (!out.has(g.id)) out.set(g.id, g);
      }
      return [...out.values()];
    },

    async appAssignedGroups(servicePrincipalId) {
      const sp = checkId(servicePrincipalId, 'service principal id');
      const items = await listAll(
        urlFor(`servicePrincipals/${sp}/appRoleAssignedTo`, { $top: '999' }),
      );
      const out = new Map<string, GraphGroup>();
      for (const item of items) {
        if (item.principalType !== 'Group') continue;
        const g = toGroup(item.principalId, item.principalDisplayName);
        if (!out.has(g.id)) out.set(g.id, g);
      }
      return [...out.values()];
    },

    async group(id) {
      const gid = checkId(id, 'group id');
      const res = await get(urlFor(`groups/${gid}`, { $select: 'id,displayName' }));
      if (res.status === 404) return null;
      expectOk(res);
      const body = parseJson(res.text);
      if (!isRecord(body)) throw new GraphError('bad_response', 'Graph group is not an object');
      return toGroup(body.id, body.displayName);
    },

    close: () => agent.close(),
  };
}
