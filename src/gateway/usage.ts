import type { Usage } from './providers/types.js';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/** OpenAI's `usage` object (chat and embeddings) in Gatehouse's terms. */
export function openAiUsage(u: unknown): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const o = u as Record<string, unknown>;
  if (typeof o.prompt_tokens !== 'number' && typeof o.completion_tokens !== 'number') return null;
  const details = o.prompt_tokens_details as Record<string, unknown> | null | undefined;
  return {
    promptTokens: num(o.prompt_tokens),
    completionTokens: num(o.completion_tokens),
    cacheReadTokens: num(details?.cached_tokens),
    cacheWriteTokens: 0,
  };
}

/**
 * The `usage` member of an OpenAI response body without parsing the whole body (a 10 KB reply
 * costs tens of microseconds to parse). Servers put `usage` last or near it; a `"usage"` inside
 * a string is escaped (`\"usage\"`), so an unescaped one is the member. Falls back to a full
 * parse whenever the shortcut does not find a well-formed object.
 */
export function usageFromBody(body: string): Usage | null {
  let at = body.length;
  for (;;) {
    at = body.lastIndexOf('"usage"', at - 1);
    if (at <= 0) break;
    if (body.charCodeAt(at - 1) === 92) continue; // escaped quote: inside a string
    let i = at + 7;
    while (body.charCodeAt(i) === 32 || body.charCodeAt(i) === 10) i++;
    if (body.charCodeAt(i) !== 58) break;
    i++;
    while (body.charCodeAt(i) === 32 || body.charCodeAt(i) === 10) i++;
    if (body.charCodeAt(i) !== 123) break;
    const end = matchingBrace(body, i);
    if (end < 0) break;
    try {
      return openAiUsage(JSON.parse(body.slice(i, end + 1)));
    } catch {
      break;
    }
  }
  try {
    return openAiUsage((JSON.parse(body) as { usage?: unknown }).usage);
  } catch {
    return null;
  }
}

/** Index of the `}` closing the object that opens at `start`, skipping strings. */
function matchingBrace(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      for (i++; i < s.length && s.charCodeAt(i) !== 34; i++) if (s.charCodeAt(i) === 92) i++;
    } else if (c === 123) depth++;
    else if (c === 125 && --depth === 0) return i;
  }
  return -1;
}
