import { Agent, request } from 'undici';
import { type GraphClientOptions, GraphError, type GraphGroup } from './graph-types.js';

/** HTTP plumbing of the Graph client: URL safety, retries with Retry-After, bounded bodies. */
export const ID_RE = /^[A-Za-z0-9-]{1,64}$/;
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
export const BACKOFF_BASE_MS = 1_000;
export const MESSAGE_MAX = 300;

export interface Settings {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  maxRetries: number;
  maxPages: number;
  maxRetryAfterMs: number;
  timeoutMs: number;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export function resolve(opts: GraphClientOptions): Settings {
  return {
    now: opts.now ?? Date.now,
    sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    maxRetries: Math.max(0, opts.maxRetries ?? 5),
    maxPages: Math.max(1, opts.maxPages ?? 500),
    maxRetryAfterMs: Math.max(0, opts.maxRetryAfterMs ?? 120_000),
    timeoutMs: Math.max(1, opts.timeoutMs ?? 10_000),
  };
}

export function newAgent(settings: Settings): Agent {
  return new Agent({
    connections: 8,
    keepAliveTimeout: 30_000,
    headersTimeout: settings.timeoutMs,
    bodyTimeout: settings.timeoutMs,
    connect: { timeout: settings.timeoutMs },
  });
}

export function parseHttpUrl(raw: string, what: string): URL {
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

export function parseBase(raw: string): URL {
  const u = parseHttpUrl(raw, 'base_url');
  if (u.pathname === '/' || u.pathname === '') {
    throw new GraphError('bad_config', 'Microsoft Graph base_url needs a version path (/v1.0)');
  }
  return u;
}

export function checkId(id: string, what: string): string {
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new GraphError('bad_request', `invalid ${what}`);
  }
  return encodeURIComponent(id);
}

export function safeNextLink(next: string, base: URL, prefix: string): string {
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

export function toGroup(id: unknown, displayName: unknown): GraphGroup {
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new GraphError('bad_response', 'Graph returned a group without a valid id');
  }
  if (displayName !== undefined && displayName !== null && typeof displayName !== 'string') {
    throw new GraphError('bad_response', 'Graph returned a non-string displayName');
  }
  return { id, displayName: displayName ?? null };
}

export function expectOk(res: HttpResult): void {
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

export function graphErrorCode(text: string): string | null {
  const body = parseJson(text);
  return isRecord(body) && isRecord(body.error) && typeof body.error.code === 'string'
    ? body.error.code
    : null;
}

/** Retry-After (seconds or HTTP-date), else exponential backoff with jitter; both capped. */
export function waitMs(res: HttpResult, attempt: number, settings: Settings): number {
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

export async function send(
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

export function errorName(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? code : e.name;
  }
  return 'error';
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clip(s: string): string {
  return s.length > MESSAGE_MAX ? `${s.slice(0, MESSAGE_MAX)}…` : s;
}

export function redact(s: string, secret: string): string {
  return clip(secret ? s.split(secret).join('[redacted]') : s);
}
