import type { UpstreamFailure } from './types.js';

/** `https://host:port/base/path` split once per api_base: the pool key and the path prefix. */
const split = new Map<string, { origin: string; path: string }>();

export function originAndPath(apiBase: string): { origin: string; path: string } {
  let s = split.get(apiBase);
  if (!s) {
    const u = new URL(apiBase);
    s = { origin: u.origin, path: u.pathname.replace(/\/+$/, '') };
    split.set(apiBase, s);
  }
  return s;
}

/** OpenAI's (and Azure's) error body: `{"error":{"message","type",…}}`. */
export function openAiFailure(status: number, raw: string): UpstreamFailure {
  try {
    const e = (JSON.parse(raw) as { error?: { message?: unknown; type?: unknown } }).error;
    if (e && typeof e.message === 'string') {
      return { message: e.message, type: typeof e.type === 'string' ? e.type : null };
    }
  } catch {
    // not JSON: fall through
  }
  return { message: raw.slice(0, 200) || `HTTP ${status}`, type: null };
}
