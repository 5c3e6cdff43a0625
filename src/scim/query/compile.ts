import { sql } from 'kysely';
import { ScimSyntaxError } from '../errors.js';
import type { AttrPath, CompareOp, Filter, Literal } from '../filter/ast.js';
import { findAttribute, resolvePath } from '../schema/resolve.js';
import type { AttributeDef, ResourceTypeDef } from '../schema/types.js';
import type { Sql, SqlDialect } from './dialect.js';
import type { Operand, StorageMap, Target } from './storage.js';

const bad = (pos: number, expected: string, found: string): never => {
  throw new ScimSyntaxError('invalid_filter', pos, expected, found);
};

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/i;

/**
 * A dateTime literal as the fixed-width UTC text the store keeps (`toISOString()`), so text
 * order is time order. Microsoft sends 7 fractional digits and an offset (M-24); precision
 * beyond milliseconds is dropped, as the store keeps milliseconds.
 */
export function isoInstant(v: string): string | null {
  const m = DATE_TIME.exec(v);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = Number((frac ?? '').padEnd(3, '0').slice(0, 3));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    t -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  const date = new Date(t);
  return Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999 ? null : date.toISOString();
}

function booleanLiteral(v: Literal): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return null;
}

/** One comparison as a two-valued SQL predicate (never NULL, so `not` means not). */
export function comparePredicate(
  o: Operand,
  op: CompareOp | 'pr',
  value: Literal,
  pos: number,
  d: SqlDialect,
): Sql {
  const e = o.expr;
  if (op === 'pr') {
    const own =
      o.type === 'boolean' ? sql`${e} is not null` : sql`(${e} is not null and ${e} <> '')`;
    return o.orWhenNull ? sql`(${own} or ${o.orWhenNull.expr} is not null)` : own;
  }
  if (value === null) {
    if (op === 'eq')
      return o.orWhenNull
        ? sql`(${e} is null and ${o.orWhenNull.expr} is null)`
        : sql`${e} is null`;
    if (op === 'ne')
      return o.orWhenNull
        ? sql`(${e} is not null or ${o.orWhenNull.expr} is not null)`
        : sql`${e} is not null`;
    return bad(pos, 'eq or ne with null', op);
  }
  if (op === 'ne') return sql`not (${comparePredicate(o, 'eq', value, pos, d)})`;
  if (o.type === 'boolean') {
    const b = booleanLiteral(value);
    if (b === null || op !== 'eq' || !o.bool)
      return bad(pos, 'eq or ne with true or false', `${op} ${JSON.stringify(value)}`);
    return sql`(${e} is not null and ${e} = ${b ? o.bool.yes : o.bool.no})`;
  }
  if (typeof value === 'boolean') return bad(pos, 'a string value', String(value));
  if (o.type === 'dateTime') {
    const iso = typeof value === 'string' ? isoInstant(value) : null;
    if (iso === null)
      return bad(pos, 'a date-time such as 2024-01-31T12:00:00Z', JSON.stringify(value));
    if (op === 'co' || op === 'sw' || op === 'ew')
      return bad(pos, 'eq ne gt ge lt le for a date-time', op);
    return sql`(${e} is not null and ${e} ${sql.raw(SQL_OPS[op])} ${iso})`;
  }
  const text = String(value);
  let lhs: Sql;
  let rhs: Sql;
  if (o.normalized) {
    lhs = o.orWhenNull && op !== 'eq' ? sql`coalesce(${e}, ${o.orWhenNull.expr})` : e;
    rhs = sql`${o.normalized(text)}`;
  } else if (o.caseExact) {
    lhs = e;
    rhs = sql`${text}`;
  } else {
    lhs = sql`lower(${e})`;
    rhs = sql`lower(${text})`;
  }
  const guard = (p: Sql) => sql`(${o.orWhenNull && op !== 'eq' ? lhs : e} is not null and ${p})`;
  switch (op) {
    case 'eq': {
      const own = guard(sql`${lhs} = ${rhs}`);
      // userName falls back to the email for people created without a user name; both
      // columns are indexed, so the lookup stays an index lookup (an OR of two).
      return o.orWhenNull
        ? sql`(${own} or (${e} is null and ${o.orWhenNull.expr} = ${o.orWhenNull.normalized(text)}))`
        : own;
    }
    case 'co':
      return guard(d.contains(lhs, rhs));
    case 'sw':
      return guard(d.startsWith(lhs, rhs));
    case 'ew':
      return guard(d.endsWith(lhs, rhs));
    default:
      return guard(sql`${d.ordered(lhs)} ${sql.raw(SQL_OPS[op])} ${rhs}`);
  }
}

const SQL_OPS = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' } as const satisfies Partial<
  Record<CompareOp, string>
>;

/** Predicates over the elements of one multi-valued attribute (inside a value path). */
function elementPredicate(
  f: Filter,
  attr: AttributeDef,
  field: (sub: AttributeDef) => Operand,
  d: SqlDialect,
): Sql {
  switch (f.op) {
    case 'and':
      return sql`(${elementPredicate(f.left, attr, field, d)} and ${elementPredicate(f.right, attr, field, d)})`;
    case 'or':
      return sql`(${elementPredicate(f.left, attr, field, d)} or ${elementPredicate(f.right, attr, field, d)})`;
    case 'not':
      return sql`not (${elementPredicate(f.filter, attr, field, d)})`;
    case 'valuePath':
      return bad(f.path.pos, 'a comparison', 'a nested value path');
    default: {
      const name = f.path.implicit ? 'value' : f.path.attr;
      const sub = findAttribute(attr.subAttributes, name);
      if (!sub) return bad(f.path.pos, `a sub-attribute of ${attr.name}`, `'${name}'`);
      return comparePredicate(field(sub), f.op, f.op === 'pr' ? null : f.value, f.path.pos, d);
    }
  }
}

export interface FilterContext {
  rt: ResourceTypeDef;
  storage: StorageMap;
  d: SqlDialect;
}

function target(path: AttrPath, ctx: FilterContext) {
  const r = resolvePath(ctx.rt, path);
  const written = [path.uri, [path.attr, path.sub].filter(Boolean).join('.')]
    .filter(Boolean)
    .join(':');
  if (r?.kind !== 'attribute')
    return bad(path.pos, `an attribute of ${ctx.rt.name}`, `'${written}'`);
  const t: Target | null = ctx.storage.target(r, ctx.d);
  if (!t) return bad(path.pos, 'an attribute that can be filtered', `'${written}'`);
  return { r, t };
}

/**
 * A parsed filter → one SQL predicate over the resource's table (users joined with
 * `scim_user_attributes as sa`, or teams). Unknown attributes and type mismatches are
 * `invalid_filter` naming the position; nothing is filtered in memory.
 */
export function compileFilter(f: Filter, ctx: FilterContext): Sql {
  switch (f.op) {
    case 'and':
      return sql`(${compileFilter(f.left, ctx)} and ${compileFilter(f.right, ctx)})`;
    case 'or':
      return sql`(${compileFilter(f.left, ctx)} or ${compileFilter(f.right, ctx)})`;
    case 'not':
      return sql`not (${compileFilter(f.filter, ctx)})`;
    case 'valuePath': {
      const { r, t } = target(f.path, ctx);
      if (t.kind !== 'multi')
        return bad(f.path.pos, 'a multi-valued attribute before [', `'${r.attr.name}'`);
      return t.some((field) => elementPredicate(f.filter, r.attr, field, ctx.d));
    }
    default: {
      const { r, t } = target(f.path, ctx);
      const value = f.op === 'pr' ? null : f.value;
      if (t.kind === 'scalar') return comparePredicate(t.operand, f.op, value, f.path.pos, ctx.d);
      if (t.kind === 'complex') {
        if (f.op === 'pr') return t.present;
        return bad(f.path.pos, `a sub-attribute of ${r.attr.name}`, `'${r.attr.name}'`);
      }
      // `emails co "x"`, `emails.value co "x"`: some element's (value) sub-attribute matches.
      const sub = r.sub ?? findAttribute(r.attr.subAttributes, 'value');
      if (!sub) {
        if (f.op === 'pr') return t.some(() => sql`1 = 1`);
        return bad(f.path.pos, `a sub-attribute of ${r.attr.name}`, `'${r.attr.name}'`);
      }
      if (f.op === 'pr' && !r.sub) return t.some(() => sql`1 = 1`);
      return t.some((field) => comparePredicate(field(sub), f.op, value, f.path.pos, ctx.d));
    }
  }
}
