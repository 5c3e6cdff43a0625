import { ScimSyntaxError, scimError } from '../errors.js';
import type { Filter, PatchPath } from '../filter/ast.js';
import { elementFromEquality, matchesElement } from '../filter/evaluate.js';
import { parseAttrPath } from '../filter/parser.js';
import { requireAttributes } from '../resources/parse.js';
import {
  coerceAttribute,
  dedupe,
  type Ignored,
  isObject,
  type ScimObject,
  stableJson,
} from '../resources/values.js';
import { findAttribute, type Resolved, resolvePath } from '../schema/resolve.js';
import type { AttributeDef, ResourceTypeDef } from '../schema/types.js';
import type { PatchOperation, PatchOpName } from './operations.js';

export interface PatchResult {
  resource: ScimObject;
  changed: boolean;
  /** Paths that named nothing Gatehouse keeps (unknown attributes, foreign extensions). */
  ignored: Ignored;
}

interface Target {
  resolved: Extract<Resolved, { kind: 'attribute' }>;
  filter?: Filter;
  subAfterFilter?: AttributeDef;
  text: string;
}

type Step = { op: PatchOpName; value: unknown; where: string };

const clone = <T>(v: T): T => structuredClone(v);

/** The object an attribute lives in: the resource, or its extension object (made on demand). */
function container(resource: ScimObject, t: Target, create: boolean): ScimObject | undefined {
  const r = t.resolved;
  if (!r.extension || !r.schema) return resource;
  const existing = resource[r.schema.id];
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  const made: ScimObject = {};
  resource[r.schema.id] = made;
  return made;
}

/** Drops emptied complex values and extension objects, so "removed" means absent. */
function tidy(resource: ScimObject, rt: ResourceTypeDef): void {
  for (const { schema } of rt.extensions) {
    const ext = resource[schema.id];
    if (isObject(ext) && Object.keys(ext).length === 0) delete resource[schema.id];
  }
}

/** A newly primary element demotes the others (RFC 7644 §3.5.2: at most one primary). */
function mergeElements(existing: ScimObject[], added: ScimObject[]): ScimObject[] {
  const present = new Set(existing.map(stableJson));
  const fresh = added.filter((e) => !present.has(stableJson(e)));
  const demote = fresh.some((e) => e.primary === true);
  const kept = demote
    ? existing.map((e) => (e.primary === true ? { ...e, primary: false } : e))
    : existing;
  return dedupe([...kept, ...fresh]);
}

/** Elements equal to a `value` item of a remove: every given sub-attribute matches, null = absent. */
function matchesGiven(element: ScimObject, given: unknown, def: AttributeDef): boolean {
  if (!isObject(given)) return element.value === given;
  return Object.entries(given).every(([k, v]) => {
    const sub = findAttribute(def.subAttributes, k);
    if (!sub) return true;
    const actual = element[sub.name];
    if (v === null) return actual === undefined;
    if (typeof v === 'string' && typeof actual === 'string' && !sub.caseExact)
      return v.toLowerCase() === actual.toLowerCase();
    return actual === v;
  });
}

function withoutValue(def: AttributeDef, element: ScimObject): boolean {
  return (
    Object.keys(element).length === 0 ||
    (findAttribute(def.subAttributes, 'value') !== undefined && element.value === undefined)
  );
}

class Patcher {
  readonly ignored: Ignored = [];

  constructor(
    private readonly rt: ResourceTypeDef,
    readonly resource: ScimObject,
    private readonly id: string,
  ) {}

  apply(operation: PatchOperation): void {
    const where = `Operations[${operation.index}]`;
    const step: Step = { op: operation.op, value: operation.value, where };
    if (operation.path) {
      this.applyPath(operation.path, operation.pathText ?? '', step);
      return;
    }
    // Path-less add/replace: each key is an attribute path; Entra sends dotted keys and
    // URN-qualified ones (`name.givenName`, `urn:…:User:employeeNumber`, E-14).
    for (const [key, value] of Object.entries(operation.value as ScimObject)) {
      if (key.toLowerCase() === 'schemas' || key.toLowerCase() === 'meta') continue;
      const path = parseAttrPath(key);
      this.applyPath({ path }, key, { ...step, value });
    }
  }

  private applyPath(p: PatchPath, text: string, step: Step): void {
    const resolved = resolvePath(this.rt, p.path);
    if (!resolved) {
      this.ignored.push(text);
      return;
    }
    if (resolved.kind === 'extension') {
      this.applyExtension(resolved.schema.id, step, p, text);
      return;
    }
    const { attr } = resolved;
    if (attr.name === 'id' && !resolved.sub) {
      // Okta's group rename repeats the unchanged id (O-23): harmless; a different id is not.
      if (step.op !== 'remove' && step.value === this.id) return;
      throw scimError('mutability', `${step.where}: 'id' is read-only.`);
    }
    if (attr.mutability === 'readOnly' || resolved.sub?.mutability === 'readOnly')
      throw scimError('mutability', `${step.where}: '${text}' is read-only.`);
    const t: Target = { resolved, text };
    if (p.filter) {
      if (!attr.multiValued || resolved.sub)
        throw scimError(
          'invalid_path',
          `${step.where}: '${text}': a value filter needs a multi-valued attribute.`,
        );
      t.filter = p.filter;
      if (p.subAfterFilter !== undefined) {
        const sub = findAttribute(attr.subAttributes, p.subAfterFilter);
        if (!sub) {
          this.ignored.push(text);
          return;
        }
        if (sub.mutability === 'readOnly')
          throw scimError('mutability', `${step.where}: '${text}' is read-only.`);
        t.subAfterFilter = sub;
      }
      this.applyFiltered(t, step);
      return;
    }
    if (attr.multiValued) this.applyMulti(t, step);
    else this.applySingle(t, step);
  }

  private applyExtension(urn: string, step: Step, p: PatchPath, text: string): void {
    if (p.filter) throw scimError('invalid_path', `${step.where}: '${text}' takes no filter.`);
    if (step.op === 'remove') {
      delete this.resource[urn];
      return;
    }
    if (!isObject(step.value))
      throw scimError('invalid_value', `${step.where}: '${urn}' must be an object.`);
    if (step.op === 'replace') delete this.resource[urn];
    for (const [key, value] of Object.entries(step.value)) {
      this.applyPath({ path: parseAttrPath(`${urn}:${key}`) }, `${urn}:${key}`, { ...step, value });
    }
  }

  private applySingle(t: Target, step: Step): void {
    const { attr, sub } = t.resolved;
    const box = container(this.resource, t, step.op !== 'remove');
    if (!box) return;
    if (sub) {
      const current = isObject(box[attr.name]) ? (box[attr.name] as ScimObject) : {};
      if (step.op === 'remove') delete current[sub.name];
      else {
        const v = coerceAttribute(sub, step.value, this.ignored, `${attr.name}.${sub.name}`);
        if (v === undefined || (sub.name === 'value' && v === '')) delete current[sub.name];
        else current[sub.name] = v;
      }
      if (Object.keys(current).length === 0 || withoutValue(attr, current)) delete box[attr.name];
      else box[attr.name] = current;
      return;
    }
    if (step.op === 'remove') {
      delete box[attr.name];
      return;
    }
    const v = coerceAttribute(attr, step.value, this.ignored);
    if (v === undefined) {
      // `null`, `""` for a manager, `{}`: the attribute becomes unassigned (RFC 7643 §2.5).
      if (step.op === 'replace' || attr.type !== 'complex') delete box[attr.name];
      return;
    }
    // Replacing a complex attribute changes the sub-attributes given and keeps the others
    // (RFC 7644 §3.5.2.3).
    box[attr.name] =
      attr.type === 'complex' && isObject(box[attr.name])
        ? { ...(box[attr.name] as ScimObject), ...(v as ScimObject) }
        : v;
  }

  private list(box: ScimObject, attr: AttributeDef): ScimObject[] {
    const v = box[attr.name];
    return Array.isArray(v) ? (v as ScimObject[]) : [];
  }

  private store(box: ScimObject, attr: AttributeDef, list: ScimObject[]): void {
    if (list.length === 0) delete box[attr.name];
    else box[attr.name] = list;
  }

  private applyMulti(t: Target, step: Step): void {
    const { attr, sub } = t.resolved;
    const box = container(this.resource, t, step.op !== 'remove');
    if (!box) return;
    const existing = this.list(box, attr);
    if (sub) {
      // `emails.primary` without a filter addresses that sub-attribute of every element.
      if (existing.length === 0) {
        if (step.op === 'remove') return;
        throw scimError('no_target', `${step.where}: '${t.text}': there is no ${attr.name} value.`);
      }
      const v =
        step.op === 'remove' ? undefined : coerceAttribute(sub, step.value, this.ignored, t.text);
      const next = existing.map((e) => {
        const copy = { ...e };
        if (v === undefined) delete copy[sub.name];
        else copy[sub.name] = v;
        return copy;
      });
      this.store(
        box,
        attr,
        next.filter((e) => !withoutValue(attr, e)),
      );
      return;
    }
    if (step.op === 'remove') {
      if (step.value === undefined) delete box[attr.name];
      else {
        // Entra removes members by listing them in `value` (E-21): only those go.
        const given = Array.isArray(step.value) ? step.value : [step.value];
        this.store(
          box,
          attr,
          existing.filter((e) => !given.some((g) => matchesGiven(e, g, attr))),
        );
      }
      return;
    }
    const added = (coerceAttribute(attr, step.value, this.ignored) ?? []) as ScimObject[];
    this.store(box, attr, step.op === 'add' ? mergeElements(existing, added) : added);
  }

  private applyFiltered(t: Target, step: Step): void {
    const { attr } = t.resolved;
    const filter = t.filter as Filter;
    const sub = t.subAfterFilter;
    const box = container(this.resource, t, step.op !== 'remove');
    if (!box) return;
    const existing = this.list(box, attr);
    const hits = existing.map((e) => matchesElement(filter, e, attr));
    if (step.op === 'remove') {
      const next = sub
        ? existing.map((e, i) => {
            if (!hits[i]) return e;
            const copy = { ...e };
            delete copy[sub.name];
            return copy;
          })
        : existing.filter((_, i) => !hits[i]);
      this.store(
        box,
        attr,
        next.filter((e) => !withoutValue(attr, e)),
      );
      return;
    }
    const replacement = sub
      ? coerceAttribute(sub, step.value, this.ignored, t.text)
      : coerceAttribute({ ...attr, multiValued: false }, step.value, this.ignored, t.text);
    if (!hits.some(Boolean)) {
      const seed = elementFromEquality(filter, attr);
      if (!seed)
        throw scimError('no_target', `${step.where}: '${t.text}' matches no ${attr.name} value.`);
      if (replacement === undefined) return;
      const made = sub
        ? { ...seed, [sub.name]: replacement }
        : { ...seed, ...(replacement as ScimObject) };
      this.store(box, attr, mergeElements(existing, [made]));
      return;
    }
    const next = existing.map((e, i) => {
      if (!hits[i]) return e;
      if (sub) {
        const copy = { ...e };
        if (replacement === undefined) delete copy[sub.name];
        else copy[sub.name] = replacement;
        return copy;
      }
      return (replacement ?? {}) as ScimObject;
    });
    const promoted = next.some((e, i) => hits[i] && e.primary === true);
    this.store(
      box,
      attr,
      dedupe(
        next
          .map((e, i) =>
            promoted && !hits[i] && e.primary === true ? { ...e, primary: false } : e,
          )
          .filter((e) => !withoutValue(attr, e)),
      ),
    );
  }
}

/**
 * Applies PATCH operations in order to a copy of a canonical resource: all of them or, on the
 * first error, none (the input is never modified). The result must still be a valid resource.
 */
export function applyPatch(
  rt: ResourceTypeDef,
  resource: ScimObject,
  operations: readonly PatchOperation[],
  id: string,
): PatchResult {
  const patcher = new Patcher(rt, clone(resource), id);
  for (const op of operations) {
    try {
      patcher.apply(op);
    } catch (e) {
      // Filters inside a PATCH path are part of the path (RFC 7644 §3.5.2: invalidPath).
      if (e instanceof ScimSyntaxError && e.code === 'invalid_filter')
        throw scimError('invalid_path', `Operations[${op.index}]: ${e.message}`);
      throw e;
    }
  }
  tidy(patcher.resource, rt);
  requireAttributes(rt, patcher.resource);
  return {
    resource: patcher.resource,
    changed: stableJson(resource) !== stableJson(patcher.resource),
    ignored: patcher.ignored,
  };
}
