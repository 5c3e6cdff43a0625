import { Agent, request } from 'undici';

/**
 * Microsoft Graph client for group sync: a user's transitive groups (Entra groups overage and
 * background sync), the groups assigned to the gateway's enterprise app, and group names.
 *
 * Gatehouse builds every Graph URL itself from `base_url` and validated object ids; the only URLs
 * it takes from a response are `@odata.nextLink`s, and only when they stay under `base_url`, so
 * the access token is never sent anywhere else. No redirects are followed.
 */

export interface MicrosoftGraphConfig {
  base_url: string;
  authority_host: string;
  tenant_id: string;
  client_id: string;
  client_secret: string;
  service_principal_id?: string | undefined;
}

export interface GraphGroup {
  id: string;
  displayName: string | null;
}

export interface GraphClient {
  /** All groups the user is a member of, directly or transitively: GET {base}/users/{oid}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName (page size $top=999), every page. */
  userGroups(userObjectId: string): Promise<GraphGroup[]>;
  /** Groups assigned to the app: GET {base}/servicePrincipals/{id}/appRoleAssignedTo, every page, principalType === 'Group' only, mapped to {id: principalId, displayName: principalDisplayName}, de-duplicated by id. */
  appAssignedGroups(servicePrincipalId: string): Promise<GraphGroup[]>;
  /** GET {base}/groups/{id}?$select=id,displayName; null on 404. */
  group(id: string): Promise<GraphGroup | null>;
}

/** A client that owns an HTTP connection pool; `close()` releases it. */
export interface ClosableGraphClient extends GraphClient {
  close(): Promise<void>;
}

export type GraphErrorCode =
  | 'throttled'
  | 'http_error'
  | 'bad_response'
  | 'bad_request'
  | 'bad_config'
  | 'token_failed'
  | 'unsafe_next_link'
  | 'too_many_pages'
  | 'network';

export class GraphError extends Error {
  readonly status: number | null;
  readonly code: GraphErrorCode;
  /** Graph's `error.code` or AAD's `error` from the response body, when there was one. */
  readonly remoteCode: string | null;

  constructor(
    code: GraphErrorCode,
    message: string,
    status: number | null = null,
    remoteCode: string | null = null,
  ) {
    super(message);
    this.name = 'GraphError';
    this.code = code;
    this.status = status;
    this.remoteCode = remoteCode;
  }
}

export interface GraphClientOptions {
  /** Clock in epoch milliseconds (token expiry, HTTP-date Retry-After). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Retries per request after 429/503 (default 5). */
  maxRetries?: number;
  /** Pages per listing (default 500). */
  maxPages?: number;
  /** Cap on one wait, from Retry-After or backoff (default 120 000). */
  maxRetryAfterMs?: number;
  /** Per HTTP request, connect to last body byte (default 10 000). */
  timeoutMs?: number;
}

const ID_RE = /^[A-Za-z0-9-]{1,64}$/;
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const TOKEN_EXPIRY_MARGIN_MS = 60_000;
const BACKOFF_BASE_MS = 1_000;
const MESSAGE_MAX = 300;

interface Settings {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  maxRetries: number;
  maxPages: number;
  maxRetryAfterMs: number;
  timeoutMs: number;
}

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

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

function resolve(opts: GraphClientOptions): Settings {
  return {
    now: opts.now ?? Date.now,
    sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    maxRetries: Math.max(0, opts.maxRetries ?? 5),
    maxPages: Math.max(1, opts.maxPages ?? 500),
    maxRetryAfterMs: Math.max(0, opts.maxRetryAfterMs ?? 120_000),
    timeoutMs: Math.max(1, opts.timeoutMs ?? 10_000),
  };
}

function newAgent(settings: Settings): Agent {
  return new Agent({
    connections: 8,
    keepAliveTimeout: 30_000,
    headersTimeout: settings.timeoutMs,
    bodyTimeout: settings.timeoutMs,
    connect: { timeout: settings.timeoutMs },
  });
}

function parseHttpUrl(raw: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new GraphError('bad_config', `Microsoft Graph ${what} is not a URL`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw new GraphError('bad_config', `Microsoft Graph ${what} must be https`);
  }
  if (u.username || u.password || u.search || u.hash) {
    throw new GraphError('bad_config', `Microsoft Graph ${what} must be a plain URL`);
  }
  return u;
}

function parseBase(raw: string): URL {
  const u = parseHttpUrl(raw, 'base_url');
  if (u.pathname === '/' || u.pathname === '') {
    throw new GraphError('bad_config', 'Microsoft Graph base_url needs a version path (/v1.0)');
  }
  return u;
}

function checkId(id: string, what: string): string {
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new GraphError('bad_request', `invalid ${what}`);
  }
  return encodeURIComponent(id);
}

function safeNextLink(next: string, base: URL, prefix: string): string {
  let u: URL;
  try {
    u = new URL(next);
  } catch {
    throw new GraphError('unsafe_next_link', '@odata.nextLink is not an absolute URL');
  }
  if (
    u.origin !== base.origin ||
    u.username !== '' ||
    u.password !== '' ||
    !u.pathname.startsWith(prefix)
  ) {
    throw new GraphError(
      'unsafe_next_link',
      `@odata.nextLink leaves ${base.origin}${prefix}; refusing to send the token there`,
    );
  }
  u.hash = '';
  return u.toString();
}

function toGroup(id: unknown, displayName: unknown): GraphGroup {
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new GraphError('bad_response', 'Graph returned a group without a valid id');
  }
  if (displayName !== undefined && displayName !== null && typeof displayName !== 'string') {
    throw new GraphError('bad_response', 'Graph returned a non-string displayName');
  }
  return { id, displayName: displayName ?? null };
}

function expectOk(res: HttpResult): void {
  if (res.status >= 200 && res.status <= 299) return;
  const body = parseJson(res.text);
  const err = isRecord(body) && isRecord(body.error) ? body.error : null;
  const code = err && typeof err.code === 'string' ? err.code : null;
  const msg = err && typeof err.message === 'string' ? err.message : null;
  const detail = [code, msg].filter((s) => s).join(': ');
  throw new GraphError(
    'http_error',
    `Microsoft Graph answered HTTP ${res.status}${detail ? ` (${clip(detail)})` : ''}`,
    res.status,
    code,
  );
}

function graphErrorCode(text: string): string | null {
  const body = parseJson(text);
  return isRecord(body) && isRecord(body.error) && typeof body.error.code === 'string'
    ? body.error.code
    : null;
}

/** Retry-After (seconds or HTTP-date), else exponential backoff with jitter; both capped. */
function waitMs(res: HttpResult, attempt: number, settings: Settings): number {
  const raw = res.headers['retry-after'];
  const header = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  let ms: number | null = null;
  if (header) {
    if (/^\d+$/.test(header)) {
      ms = Number(header) * 1000;
    } else {
      const at = Date.parse(header);
      if (!Number.isNaN(at)) ms = Math.max(0, at - settings.now());
    }
  }
  if (ms === null) {
    const step = BACKOFF_BASE_MS * 2 ** Math.min(attempt, 20);
    ms = step + Math.floor(Math.random() * step * 0.25);
  }
  return Math.min(ms, settings.maxRetryAfterMs);
}

async function send(
  agent: Agent,
  settings: Settings,
  method: 'GET' | 'POST',
  url: string,
  init: { headers: Record<string, string>; body?: string },
): Promise<HttpResult> {
  const signal = AbortSignal.timeout(settings.timeoutMs);
  try {
    const res = await request(url, {
      method,
      headers: init.headers,
      body: init.body ?? null,
      dispatcher: agent,
      signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > MAX_BODY_BYTES) {
        res.body.destroy();
        throw new GraphError('bad_response', 'Graph response body too large', res.statusCode);
      }
      chunks.push(buf);
    }
    return {
      status: res.statusCode,
      headers: res.headers,
      text: Buffer.concat(chunks).toString('utf8'),
    };
  } catch (e) {
    if (e instanceof GraphError) throw e;
    const what = signal.aborted ? `timed out after ${settings.timeoutMs} ms` : errorName(e);
    throw new GraphError('network', `${method} ${new URL(url).origin} failed: ${what}`);
  }
}

function errorName(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? code : e.name;
  }
  return 'error';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(s: string): string {
  return s.length > MESSAGE_MAX ? `${s.slice(0, MESSAGE_MAX)}…` : s;
}

function redact(s: string, secret: string): string {
  return clip(secret ? s.split(secret).join('[redacted]') : s);
}
