import { type RawBuilder, type SqlBool, sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';
export type Sql = RawBuilder<unknown>;

/** A compiled filter as Kysely's `where` takes it. */
export const asPredicate = (s: Sql): RawBuilder<SqlBool> => sql<SqlBool>`${s}`;

/**
 * The few SQL spellings that differ between SQLite and PostgreSQL. JSON paths and keys come
 * from the schema definitions (canonical attribute names), never from the request, so they
 * are inlined as literals; every value a client sends is a bound parameter.
 */
export interface SqlDialect {
  name: Dialect;
  /** The text (or, on SQLite, typed) value at a key path of a JSON text column; NULL if absent. */
  jsonValue(column: Sql, keys: readonly string[]): Sql;
  /** A JSON boolean as `jsonValue` returns it: 1/0 on SQLite, 'true'/'false' on PostgreSQL. */
  jsonTrue: Sql;
  jsonFalse: Sql;
  /** `exists (… for each element e of the JSON array at keys … where pred(e))`. */
  existsElement(
    column: Sql,
    keys: readonly string[],
    pred: (field: (sub: string) => Sql) => Sql,
  ): Sql;
  /** A sub-attribute of the primary element of a JSON array, else of its first (for sortBy). */
  firstElement(column: Sql, keys: readonly string[], sub: string): Sql;
  contains(haystack: Sql, needle: Sql): Sql;
  startsWith(haystack: Sql, needle: Sql): Sql;
  endsWith(haystack: Sql, needle: Sql): Sql;
  /** Byte-order text comparison on both engines (PostgreSQL would use the locale's collation). */
  ordered(expr: Sql): Sql;
}

const sqlitePath = (keys: readonly string[]) =>
  `$${keys.map((k) => `.${JSON.stringify(k)}`).join('')}`;

const sqlite: SqlDialect = {
  name: 'sqlite',
  jsonValue: (column, keys) => sql`json_extract(${column}, ${sql.lit(sqlitePath(keys))})`,
  jsonTrue: sql`1`,
  jsonFalse: sql`0`,
  existsElement: (column, keys, pred) =>
    sql`exists (select 1 from json_each(${column}, ${sql.lit(sqlitePath(keys))}) as e where ${pred(
      (sub) => sql`json_extract(e.value, ${sql.lit(sqlitePath([sub]))})`,
    )})`,
  firstElement: (column, keys, sub) =>
    sql`(select json_extract(e.value, ${sql.lit(sqlitePath([sub]))}) from json_each(${column}, ${sql.lit(
      sqlitePath(keys),
    )}) as e order by coalesce(json_extract(e.value, '$."primary"'), 0) desc, e.key limit 1)`,
  contains: (h, n) => sql`instr(${h}, ${n}) > 0`,
  startsWith: (h, n) => sql`substr(${h}, 1, length(${n})) = ${n}`,
  endsWith: (h, n) => sql`(length(${n}) = 0 or substr(${h}, -length(${n})) = ${n})`,
  ordered: (e) => e,
};

const pgArray = (keys: readonly string[]) => `{${keys.map((k) => JSON.stringify(k)).join(',')}}`;

const postgres: SqlDialect = {
  name: 'postgres',
  jsonValue: (column, keys) => sql`(${column}::jsonb #>> ${sql.lit(pgArray(keys))})`,
  jsonTrue: sql`'true'`,
  jsonFalse: sql`'false'`,
  existsElement: (column, keys, pred) =>
    sql`exists (select 1 from jsonb_array_elements(coalesce(${column}::jsonb #> ${sql.lit(
      pgArray(keys),
    )}, '[]'::jsonb)) as e(v) where ${pred((sub) => sql`(e.v ->> ${sql.lit(sub)})`)})`,
  firstElement: (column, keys, sub) =>
    sql`(select e.v ->> ${sql.lit(sub)} from jsonb_array_elements(coalesce(${column}::jsonb #> ${sql.lit(
      pgArray(keys),
    )}, '[]'::jsonb)) with ordinality as e(v, n) order by coalesce((e.v ->> 'primary') = 'true', false) desc, e.n limit 1)`,
  contains: (h, n) => sql`strpos(${h}, ${n}) > 0`,
  startsWith: (h, n) => sql`left(${h}, length(${n})) = ${n}`,
  endsWith: (h, n) => sql`right(${h}, length(${n})) = ${n}`,
  ordered: (e) => sql`${e} collate "C"`,
};

export const sqlDialect = (d: Dialect): SqlDialect => (d === 'sqlite' ? sqlite : postgres);
