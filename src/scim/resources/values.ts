import { scimError } from '../errors.js';
import { findAttribute } from '../schema/resolve.js';
import type { AttributeDef } from '../schema/types.js';

export type ScimObject = Record<string, unknown>;

export const isObject = (v: unknown): v is ScimObject =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Collects what a client sent that Gatehouse does not keep, for the activity log. */
export type Ignored = string[];

const invalid = (name: string, expected: string, got: unknown) =>
  scimError(
    'invalid_value',
    `'${name}' must be ${expected}, got ${JSON.stringify(got)?.slice(0, 60) ?? 'undefined'}.`,
  );

/**
 * Entra sends booleans as the strings "True"/"False" (E-11, M-13, E-29); any other string is
 * still an error, so a typo cannot flip an account's state.
 */
export function coerceBoolean(name: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const lower = v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  throw invalid(name, 'a boolean', v);
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function simple(def: AttributeDef, name: string, v: unknown): unknown {
  switch (def.type) {
    case 'boolean':
      return coerceBoolean(name, v);
    case 'integer':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      throw invalid(name, 'an integer', v);
    case 'decimal':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      throw invalid(name, 'a number', v);
    case 'dateTime':
      if (typeof v === 'string' && DATE_TIME.test(v)) return v;
      throw invalid(name, 'an xsd:dateTime such as 2024-01-31T12:00:00Z', v);
    default:
      if (typeof v === 'string') return v;
      throw invalid(name, 'a string', v);
  }
}

/** Sub-attributes by canonical name; unknown and read-only ones are dropped, nulls mean unset. */
function complex(
  def: AttributeDef,
  name: string,
  v: unknown,
  ignored: Ignored,
): ScimObject | undefined {
  if (!isObject(v)) {
    // `"manager": "<id>"` (E-25): a bare string for a complex attribute that has a value.
    if (typeof v === 'string' && !def.multiValued && findAttribute(def.subAttributes, 'value')) {
      return v === '' ? undefined : { value: v };
    }
    throw invalid(name, 'an object', v);
  }
  const out: ScimObject = {};
  for (const [k, raw] of Object.entries(v)) {
    const sub = findAttribute(def.subAttributes, k);
    if (!sub) {
      ignored.push(`${name}.${k}`);
      continue;
    }
    if (sub.mutability === 'readOnly' || raw === null || raw === undefined) continue;
    const value = simple(sub, `${name}.${sub.name}`, raw);
    // An empty manager id is Entra's way of removing the manager (E-26).
    if (sub.name === 'value' && value === '') continue;
    out[sub.name] = value;
  }
  if (Object.keys(out).length === 0) return undefined;
  // A manager or member without its value is nothing to store.
  if (findAttribute(def.subAttributes, 'value') && !def.multiValued && out.value === undefined)
    return undefined;
  return out;
}

/** At most one element may be primary (RFC 7643 §2.4): the first one marked wins. */
function onePrimary(list: ScimObject[]): ScimObject[] {
  let seen = false;
  return list.map((e) => {
    if (e.primary !== true) return e;
    if (!seen) {
      seen = true;
      return e;
    }
    return { ...e, primary: false };
  });
}

/** Removes exact duplicates (whatever their key order), keeping the first. */
export function dedupe(list: ScimObject[]): ScimObject[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const k = stableJson(e);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * One attribute value, checked and brought to canonical form (canonical sub-attribute names,
 * booleans coerced, nulls and empty values removed). `undefined` means unassigned.
 */
export function coerceAttribute(
  def: AttributeDef,
  v: unknown,
  ignored: Ignored,
  name: string = def.name,
): unknown {
  if (v === null || v === undefined) return undefined;
  if (def.multiValued) {
    const list = Array.isArray(v) ? v : [v];
    const items = list
      .filter((x) => x !== null && x !== undefined)
      .map((x) => (def.type === 'complex' ? complex(def, name, x, ignored) : simple(def, name, x)))
      .filter((x) => x !== undefined);
    if (items.length === 0) return undefined;
    return def.type === 'complex' ? onePrimary(dedupe(items as ScimObject[])) : items;
  }
  if (def.type === 'complex') {
    // Entra's .NET flow sends a single-valued manager as a one-element list (E-24).
    if (Array.isArray(v)) {
      if (v.length > 1) throw invalid(name, 'a single object', v);
      return v.length === 0 ? undefined : complex(def, name, v[0], ignored);
    }
    return complex(def, name, v, ignored);
  }
  return simple(def, name, v);
}

/** JSON with object keys sorted: equal values give equal text, whatever the key order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
