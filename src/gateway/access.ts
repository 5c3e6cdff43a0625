import type { CachedKey } from '../keys/cache.js';

/** Entries that open every model, as LiteLLM writes them. */
const EVERYTHING = new Set(['*', 'all-proxy-models']);

/** `openai/*`, `*-mini`, `gpt-4o*`: `*` matches any run of characters. */
export function globMatch(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === name;
  const first = parts[0] ?? '';
  const lastPart = parts[parts.length - 1] ?? '';
  if (!name.startsWith(first) || name.length < first.length + lastPart.length) return false;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const p = parts[i] ?? '';
    const found = name.indexOf(p, at);
    if (found < 0) return false;
    at = found + p.length;
  }
  return name.length - lastPart.length >= at && name.endsWith(lastPart);
}

/**
 * One level's model list. Empty means "no restriction at this level" (LiteLLM); a key's
 * `all-team-models` defers to the team the same way.
 */
export function listAllows(list: readonly string[], model: string): boolean {
  if (list.length === 0) return true;
  for (const entry of list) {
    if (EVERYTHING.has(entry) || entry === 'all-team-models') return true;
    if (entry === model || (entry.includes('*') && globMatch(entry, model))) return true;
  }
  return false;
}

/** Which level refuses the model, or null when the key, its team, its user and org all allow it. */
export function refusingLevel(
  key: CachedKey,
  model: string,
): 'key' | 'team' | 'user' | 'organization' | null {
  if (!listAllows(key.models, model)) return 'key';
  if (key.team && !listAllows(key.team.models, model)) return 'team';
  if (key.user && !listAllows(key.user.models, model)) return 'user';
  if (key.team?.organization && !listAllows(key.team.organization.models, model))
    return 'organization';
  return null;
}
