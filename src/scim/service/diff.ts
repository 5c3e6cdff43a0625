import { type ScimObject, stableJson } from '../resources/values.js';

export interface AttributeDiff {
  before: ScimObject;
  after: ScimObject;
  /** Top-level attribute names whose value changed (added, removed or different). */
  changed: string[];
}

/**
 * The top-level attributes that differ between two versions of a resource, each side holding
 * only those: what an audit event shows, so a PATCH of one attribute does not copy the whole
 * person into the log.
 */
export function diffAttributes(before: ScimObject, after: ScimObject): AttributeDiff {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: AttributeDiff = { before: {}, after: {}, changed: [] };
  for (const k of keys) {
    const a = before[k];
    const b = after[k];
    if (stableJson(a ?? null) === stableJson(b ?? null)) continue;
    out.changed.push(k);
    if (a !== undefined) out.before[k] = a;
    if (b !== undefined) out.after[k] = b;
  }
  return out;
}

/** At most `n` ids in an audit event, with how many there were. */
export function boundedIds(ids: readonly string[], n = 100): { count: number; ids: string[] } {
  return { count: ids.length, ids: ids.slice(0, n) };
}
