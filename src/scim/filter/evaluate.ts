import { ScimSyntaxError } from '../errors.js';
import { findAttribute } from '../schema/resolve.js';
import type { AttributeDef } from '../schema/types.js';
import type { CompareOp, Filter, Literal } from './ast.js';

/**
 * Evaluates a value filter (`type eq "work" and primary eq true`) against one element of a
 * multi-valued attribute of one resource, in memory: PATCH targets and `attributes=emails[…]`.
 * Listing resources never uses this; it is translated to SQL (see sql.ts).
 */
export function matchesElement(
  filter: Filter,
  element: Record<string, unknown>,
  parent: AttributeDef,
): boolean {
  switch (filter.op) {
    case 'and':
      return (
        matchesElement(filter.left, element, parent) &&
        matchesElement(filter.right, element, parent)
      );
    case 'or':
      return (
        matchesElement(filter.left, element, parent) ||
        matchesElement(filter.right, element, parent)
      );
    case 'not':
      return !matchesElement(filter.filter, element, parent);
    case 'valuePath':
      throw new ScimSyntaxError(
        'invalid_filter',
        filter.path.pos,
        'a comparison',
        'a nested value path',
      );
    default: {
      const name = filter.path.implicit ? 'value' : filter.path.attr;
      const sub =
        filter.path.sub === undefined ? findAttribute(parent.subAttributes, name) : undefined;
      if (!sub)
        throw new ScimSyntaxError(
          'invalid_filter',
          filter.path.pos,
          `a sub-attribute of ${parent.name}`,
          `'${filter.path.attr}'`,
        );
      const actual = element[sub.name];
      if (filter.op === 'pr') return actual !== undefined && actual !== null && actual !== '';
      return compare(sub, filter.op, actual, filter.value, filter.path.pos);
    }
  }
}

function asBoolean(v: Literal): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return undefined;
}

function compare(
  def: AttributeDef,
  op: CompareOp,
  actual: unknown,
  value: Literal,
  pos: number,
): boolean {
  if (value === null) {
    if (op === 'eq') return actual === undefined || actual === null;
    if (op === 'ne') return actual !== undefined && actual !== null;
    throw new ScimSyntaxError('invalid_filter', pos, 'eq or ne with null', op);
  }
  if (def.type === 'boolean') {
    const want = asBoolean(value);
    if (want === undefined || (op !== 'eq' && op !== 'ne'))
      throw new ScimSyntaxError(
        'invalid_filter',
        pos,
        'eq or ne with true or false',
        `${op} ${String(value)}`,
      );
    return op === 'eq' ? actual === want : actual !== want;
  }
  if (typeof actual !== 'string') return op === 'ne';
  const fold = (s: string) => (def.caseExact ? s : s.toLowerCase());
  const a = fold(actual);
  const b = fold(String(value));
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

/**
 * The element a simple equality filter describes (`type eq "work"`, or several joined by
 * `and`), or null for any other filter. Entra replaces `emails[type eq "work"].value` on users
 * who have no work email yet and expects it created (reference §E.1).
 */
export function elementFromEquality(
  filter: Filter,
  parent: AttributeDef,
): Record<string, unknown> | null {
  if (filter.op === 'and') {
    const l = elementFromEquality(filter.left, parent);
    const r = elementFromEquality(filter.right, parent);
    return l && r ? { ...l, ...r } : null;
  }
  if (filter.op !== 'eq' || filter.path.implicit || filter.value === null) return null;
  const sub = findAttribute(parent.subAttributes, filter.path.attr);
  if (!sub || sub.mutability === 'readOnly') return null;
  if (sub.type === 'boolean') {
    const b = asBoolean(filter.value);
    return b === undefined ? null : { [sub.name]: b };
  }
  return { [sub.name]: String(filter.value) };
}
