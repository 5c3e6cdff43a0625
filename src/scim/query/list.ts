import { sql } from 'kysely';
import { ScimSyntaxError, scimError } from '../errors.js';
import type { Filter } from '../filter/ast.js';
import { parseAttrPath, parseFilter } from '../filter/parser.js';
import { findAttribute, resolvePath } from '../schema/resolve.js';
import { compileFilter, type FilterContext } from './compile.js';
import type { Sql } from './dialect.js';

export const LIST_LIMITS = {
  /** Page size when the client names none. */
  defaultCount: 100,
  /** Largest page served; a larger `count` is cut to this (RFC 7644 §3.4.2.4 allows it). */
  maxCount: 1000,
} as const;

export interface ListParams {
  filter?: Filter;
  sortBy?: string;
  descending: boolean;
  /** 1-based, as SCIM counts. */
  startIndex: number;
  count: number;
}

/** Query-string (or /.search body) values as they arrive: strings, or numbers from JSON. */
export interface RawListParams {
  filter?: unknown;
  sortBy?: unknown;
  sortOrder?: unknown;
  startIndex?: unknown;
  count?: unknown;
}

function integer(name: string, v: unknown): number | undefined {
  if (v === undefined || v === '') return undefined;
  const text = typeof v === 'number' ? String(v) : v;
  if (typeof text !== 'string' || !/^-?\d{1,15}$/.test(text.trim()))
    throw scimError(
      'invalid_value',
      `'${name}' must be an integer, got ${JSON.stringify(v)?.slice(0, 40)}.`,
    );
  return Number(text);
}

/**
 * RFC 7644 §3.4.2.4: startIndex below 1 means 1, a negative count means 0; counts above the
 * cap are cut to it rather than refused, as clients page by `totalResults`.
 */
export function parseListParams(raw: RawListParams): ListParams {
  const start = integer('startIndex', raw.startIndex) ?? 1;
  const count = integer('count', raw.count) ?? LIST_LIMITS.defaultCount;
  if (raw.filter !== undefined && typeof raw.filter !== 'string')
    throw scimError('invalid_filter', "'filter' must be a string.");
  if (raw.sortBy !== undefined && typeof raw.sortBy !== 'string')
    throw scimError('invalid_value', "'sortBy' must be an attribute name.");
  let descending = false;
  if (raw.sortOrder !== undefined && raw.sortOrder !== '') {
    const order = String(raw.sortOrder).toLowerCase();
    if (order !== 'ascending' && order !== 'descending')
      throw scimError('invalid_value', "'sortOrder' must be ascending or descending.");
    descending = order === 'descending';
  }
  return {
    ...(raw.filter && raw.filter.trim() !== '' ? { filter: parseFilter(raw.filter) } : {}),
    ...(raw.sortBy ? { sortBy: raw.sortBy } : {}),
    descending,
    startIndex: Math.max(1, start),
    count: Math.min(LIST_LIMITS.maxCount, Math.max(0, count)),
  };
}

export interface ListSql {
  where: Sql | null;
  orderBy: Sql[];
  limit: number;
  offset: number;
}

/**
 * ORDER BY for `sortBy`: unassigned values last when ascending (first when descending), the
 * id as the final key so pages do not overlap (Okta pages through whole directories, O-19).
 * A multi-valued attribute sorts by its primary (else first) element's value, or the named
 * sub-attribute (RFC 7644 §3.4.2.3); memberships (`groups`, `members`) cannot be sorted by.
 */
function orderTerms(params: ListParams, ctx: FilterContext): Sql[] {
  const dir = sql.raw(params.descending ? 'desc' : 'asc');
  const byId = sql`${ctx.storage.idColumn} ${dir}`;
  if (!params.sortBy) return [sql`${ctx.storage.idColumn} asc`];
  let path: ReturnType<typeof parseAttrPath>;
  try {
    path = parseAttrPath(params.sortBy);
  } catch (e) {
    if (e instanceof ScimSyntaxError)
      throw scimError('invalid_value', `'sortBy' is not an attribute path: ${e.message}`);
    throw e;
  }
  const r = resolvePath(ctx.rt, path);
  if (r?.kind !== 'attribute')
    throw scimError(
      'invalid_value',
      `'sortBy': ${ctx.rt.name} has no attribute '${params.sortBy}'.`,
    );
  const t = ctx.storage.target(r, ctx.d);
  const sub =
    t?.kind === 'multi' ? (r.sub ?? findAttribute(r.attr.subAttributes, 'value')) : undefined;
  const o =
    t?.kind === 'scalar'
      ? t.operand
      : t?.kind === 'multi' && t.first && sub
        ? t.first(sub)
        : undefined;
  if (!o) throw scimError('invalid_value', `'sortBy': cannot sort by '${params.sortBy}'.`);
  const value: Sql = o.orWhenNull ? sql`coalesce(${o.expr}, ${o.orWhenNull.expr})` : o.expr;
  let e = value;
  if (o.type === 'string' && !o.caseExact && !o.normalized) e = sql`lower(${e})`;
  if (o.type === 'string' || o.type === 'reference') e = ctx.d.ordered(e);
  const nulls = sql.raw(params.descending ? 'desc' : 'asc');
  return [sql`(case when ${value} is null then 1 else 0 end) ${nulls}`, sql`${e} ${dir}`, byId];
}

export function listSql(params: ListParams, ctx: FilterContext): ListSql {
  return {
    where: params.filter ? compileFilter(params.filter, ctx) : null,
    orderBy: orderTerms(params, ctx),
    limit: params.count,
    offset: params.startIndex - 1,
  };
}
