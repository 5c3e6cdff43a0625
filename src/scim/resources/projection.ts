import { ScimSyntaxError, scimError } from '../errors.js';
import type { Filter } from '../filter/ast.js';
import { matchesElement } from '../filter/evaluate.js';
import { parsePatchPath } from '../filter/parser.js';
import { findAttribute, resolvePath } from '../schema/resolve.js';
import type { AttributeDef, ResourceTypeDef } from '../schema/types.js';
import { isObject, type ScimObject } from './values.js';

/** One entry of `attributes` / `excludedAttributes`, as keys into the wire resource. */
interface Selector {
  /** e.g. ['name', 'givenName'], ['urn:…:User', 'manager'], ['emails']. */
  keys: string[];
  /** The attribute at the last key but one is multi-valued and `sub` picks from each element. */
  multi?: AttributeDef;
  sub?: string;
  /** `emails[type eq "work"]` (Microsoft's collection asks for this, M-12): matching elements only. */
  filter?: Filter;
}

export interface Projection {
  include?: Selector[];
  exclude: Selector[];
}

/** Always returned, whatever is asked (RFC 7643 §7 `returned: always`). */
const ALWAYS = new Set(['schemas', 'id']);

function selector(rt: ResourceTypeDef, text: string, param: string): Selector | null {
  let parsed: ReturnType<typeof parsePatchPath>;
  try {
    parsed = parsePatchPath(text);
  } catch (e) {
    if (e instanceof ScimSyntaxError)
      throw scimError('invalid_value', `'${param}': '${text}' is not an attribute path.`);
    throw e;
  }
  const r = resolvePath(rt, parsed.path);
  if (!r) return null; // unknown names select nothing (RFC 7644 §3.9 does not make them errors)
  if (r.kind === 'extension') return { keys: [r.schema.id] };
  const top = r.extension && r.schema ? [r.schema.id, r.attr.name] : [r.attr.name];
  const sub =
    r.sub ??
    (parsed.subAfterFilter
      ? findAttribute(r.attr.subAttributes, parsed.subAfterFilter)
      : undefined);
  if (parsed.filter && !r.attr.multiValued) return null;
  if (r.attr.multiValued)
    return {
      keys: top,
      multi: r.attr,
      ...(sub ? { sub: sub.name } : {}),
      ...(parsed.filter ? { filter: parsed.filter } : {}),
    };
  return { keys: sub ? [...top, sub.name] : top };
}

function list(rt: ResourceTypeDef, value: unknown, param: string): Selector[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => selector(rt, s, param))
    .filter((s): s is Selector => s !== null);
}

/** From the query string (comma-separated) or a /.search body (lists). */
export function parseProjection(
  rt: ResourceTypeDef,
  raw: { attributes?: unknown; excludedAttributes?: unknown },
): Projection {
  const include = list(rt, raw.attributes, 'attributes');
  return {
    ...(include ? { include } : {}),
    exclude: list(rt, raw.excludedAttributes, 'excludedAttributes') ?? [],
  };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Whether the response will show this top-level attribute: lets a store skip reading members. */
export function wantsAttribute(p: Projection, name: string): boolean {
  if (
    p.exclude.some(
      (s) => s.keys.length === 1 && !s.sub && !s.filter && same(s.keys[0] as string, name),
    )
  )
    return false;
  return !p.include || p.include.some((s) => same(s.keys[0] as string, name));
}

/** Multi-valued picks, element by element, so `emails.value,emails.type` keep their pairing. */
type Pending = Map<ScimObject, Map<string, (ScimObject | null)[]>>;

function pick(source: ScimObject, target: ScimObject, s: Selector, pending: Pending): void {
  let from: unknown = source;
  let to = target;
  const last = s.keys.length - 1;
  for (let i = 0; i < last; i++) {
    const k = s.keys[i] as string;
    from = isObject(from) ? from[k] : undefined;
    if (!isObject(from)) return;
    to[k] = isObject(to[k]) ? to[k] : {};
    to = to[k] as ScimObject;
  }
  const key = s.keys[last] as string;
  const value = isObject(from) ? from[key] : undefined;
  if (value === undefined) return;
  if (!s.multi || !Array.isArray(value)) {
    to[key] = value;
    return;
  }
  const multi = s.multi;
  const byKey = pending.get(to) ?? new Map<string, (ScimObject | null)[]>();
  pending.set(to, byKey);
  const slots = byKey.get(key) ?? (value as ScimObject[]).map(() => null);
  byKey.set(key, slots);
  (value as ScimObject[]).forEach((e, i) => {
    if (s.filter && !matchesElement(s.filter, e, multi)) return;
    if (!s.sub) slots[i] = e;
    else if (s.sub in e) slots[i] = { ...slots[i], [s.sub]: e[s.sub] };
  });
}

function settle(pending: Pending): void {
  for (const [to, byKey] of pending)
    for (const [key, slots] of byKey) {
      const kept = slots.filter((e): e is ScimObject => e !== null);
      if (kept.length > 0) to[key] = kept;
    }
}

function drop(target: ScimObject, s: Selector): void {
  if (ALWAYS.has(s.keys[0] as string)) return;
  let node: unknown = target;
  for (const k of s.keys.slice(0, -1)) node = isObject(node) ? node[k] : undefined;
  if (!isObject(node)) return;
  const key = s.keys[s.keys.length - 1] as string;
  if (s.multi && (s.sub || s.filter) && Array.isArray(node[key])) {
    const multi = s.multi;
    const kept = (node[key] as ScimObject[])
      .map((e) => {
        if (s.filter && !matchesElement(s.filter, e, multi)) return e;
        if (!s.sub) return null;
        const { [s.sub]: _gone, ...rest } = e;
        return rest;
      })
      .filter((e): e is ScimObject => e !== null && Object.keys(e).length > 0);
    if (kept.length > 0) node[key] = kept;
    else delete node[key];
    return;
  }
  delete node[key];
}

/** The response body for a rendered resource under `attributes` / `excludedAttributes`. */
export function project(resource: ScimObject, p: Projection): ScimObject {
  let out: ScimObject;
  if (p.include) {
    out = {};
    for (const k of ALWAYS) if (k in resource) out[k] = resource[k];
    const pending: Pending = new Map();
    for (const s of p.include) pick(resource, out, s, pending);
    settle(pending);
  } else out = structuredClone(resource);
  for (const s of p.exclude) drop(out, s);
  return out;
}
