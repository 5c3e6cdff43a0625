import { sql } from 'kysely';
import type { Resolved } from '../schema/resolve.js';
import type { AttributeDef } from '../schema/types.js';
import type { Sql, SqlDialect } from './dialect.js';

/**
 * A value SQL can compare: its expression and how to compare it. `normalized` columns hold a
 * JavaScript-normalised copy (trim + lower case, as the directory writes `user_name_normalized`),
 * so literals are normalised the same way and the column's index is used as is.
 */
export interface Operand {
  expr: Sql;
  type: AttributeDef['type'];
  caseExact: boolean;
  normalized?: (v: string) => string;
  /** How a boolean is spelt: 0/1 integer column, or whatever the dialect's JSON gives. */
  bool?: { yes: Sql; no: Sql };
  /** Also true when this expression is null: `userName` falls back to the email. */
  orWhenNull?: { expr: Sql; normalized: (v: string) => string };
}

/** How a resolved attribute is stored. Attributes without an entry cannot be filtered. */
export type Target =
  | { kind: 'scalar'; operand: Operand }
  /** A single-valued complex attribute named without a sub-attribute: only `pr` means something. */
  | { kind: 'complex'; present: Sql }
  | {
      kind: 'multi';
      attr: AttributeDef;
      /** `exists` an element for which `pred` holds; `field` gives a sub-attribute's operand. */
      some(pred: (field: (sub: AttributeDef) => Operand) => Sql): Sql;
      /** The primary (else first) element's sub-attribute, for sortBy; absent: not sortable. */
      first?: (sub: AttributeDef) => Operand;
    };

export interface StorageMap {
  /** The table alias the query selects from, for the id tie-breaker in ORDER BY. */
  idColumn: Sql;
  target(r: Extract<Resolved, { kind: 'attribute' }>, d: SqlDialect): Target | null;
}

const INT_BOOL = { yes: sql`1`, no: sql`0` };
const normalize = (v: string) => v.trim().toLowerCase();
const col = (name: string) => sql.ref(name);

function jsonOperand(d: SqlDialect, column: Sql, keys: string[], def: AttributeDef): Operand {
  return {
    expr: d.jsonValue(column, keys),
    type: def.type,
    caseExact: def.caseExact,
    ...(def.type === 'boolean' ? { bool: { yes: d.jsonTrue, no: d.jsonFalse } } : {}),
  };
}

function jsonTarget(
  d: SqlDialect,
  column: Sql,
  prefix: string[],
  r: Extract<Resolved, { kind: 'attribute' }>,
): Target {
  const { attr, sub } = r;
  const keys = [...prefix, attr.name];
  if (attr.multiValued) {
    return {
      kind: 'multi',
      attr,
      first: (s) => ({
        expr: d.firstElement(column, keys, s.name),
        type: s.type,
        caseExact: s.caseExact,
      }),
      some: (pred) =>
        d.existsElement(column, keys, (field) =>
          pred((s) => ({
            expr: field(s.name),
            type: s.type,
            caseExact: s.caseExact,
            ...(s.type === 'boolean' ? { bool: { yes: d.jsonTrue, no: d.jsonFalse } } : {}),
          })),
        ),
    };
  }
  if (sub) return { kind: 'scalar', operand: jsonOperand(d, column, [...keys, sub.name], sub) };
  if (attr.type === 'complex')
    return { kind: 'complex', present: sql`${d.jsonValue(column, keys)} is not null` };
  return { kind: 'scalar', operand: jsonOperand(d, column, keys, attr) };
}

const scalar = (operand: Operand): Target => ({ kind: 'scalar', operand });
const text = (expr: Sql, caseExact: boolean): Operand => ({ expr, type: 'string', caseExact });
const time = (expr: Sql): Operand => ({ expr, type: 'dateTime', caseExact: true });

/** Common attributes: id, externalId, meta.created, meta.lastModified, on any table. */
function common(
  table: string,
  r: Extract<Resolved, { kind: 'attribute' }>,
): Target | null | undefined {
  if (r.schema !== null) return undefined;
  const name = r.sub ? `${r.attr.name}.${r.sub.name}` : r.attr.name;
  switch (name) {
    case 'id':
      return scalar(text(col(`${table}.id`), true));
    case 'externalId':
      return scalar(text(col(`${table}.external_id`), true));
    case 'meta.created':
      return scalar(time(col(`${table}.created_at`)));
    case 'meta.lastModified':
      return scalar(time(col(`${table}.updated_at`)));
    default:
      return null; // meta.location, meta.version, meta.resourceType: not stored, not filterable
  }
}

/** `and m.source = …` when the view is one directory's; nothing otherwise. */
function ownMemberships(source: string | undefined): Sql {
  return source === undefined ? sql`` : sql` and m.source = ${source}`;
}

/**
 * Users: the directory's columns where they exist (indexed lookups for userName, externalId,
 * id, displayName), `scim_user_attributes.attributes` (joined as `sa`) for the rest. A user no
 * SCIM client has written has no JSON emails; their email column stands in as the one primary
 * email, the same way the resource renders it.
 */
export const USERS_STORAGE: StorageMap = usersStorage();

/**
 * Users as one SCIM directory sees them: `groups` are its own memberships (`source`), as the
 * routes render them. Without a source, every membership counts.
 */
export function usersStorage(source?: string): StorageMap {
  const own = ownMemberships(source);
  return {
    idColumn: col('users.id'),
    target(r, d) {
      const c = common('users', r);
      if (c !== undefined) return c;
      const json = col('sa.attributes');
      const prefix = r.extension && r.schema ? [r.schema.id] : [];
      if (r.extension) return jsonTarget(d, json, prefix, r);
      if (r.attr.name === 'groups')
        return membership(
          r.attr,
          sql`m.user_id = users.id${own}`,
          sql`join teams t on t.id = m.team_id`,
          {
            value: col('m.team_id'),
            display: col('t.name'),
          },
        );
      if (r.attr.name === 'emails') {
        const stored = jsonTarget(d, json, [], { ...r, sub: undefined }) as Extract<
          Target,
          { kind: 'multi' }
        >;
        return {
          kind: 'multi',
          attr: r.attr,
          first: (s) => {
            const own = stored.first?.(s) as Operand;
            // Without SCIM emails, the Gatehouse email is the one (primary) email.
            const fallback = s.name === 'value' ? sql`users.email` : sql`cast(null as text)`;
            return {
              ...own,
              expr: sql`coalesce(${own.expr}, case when ${d.jsonValue(json, ['emails'])} is null then ${fallback} end)`,
            };
          },
          some: (pred) =>
            sql`(${stored.some(pred)} or (${d.jsonValue(json, ['emails'])} is null and users.email is not null and ${pred(
              (s) =>
                s.name === 'value'
                  ? text(col('users.email'), false)
                  : s.name === 'primary'
                    ? {
                        expr: d.jsonTrue,
                        type: 'boolean',
                        caseExact: true,
                        bool: { yes: d.jsonTrue, no: d.jsonFalse },
                      }
                    : text(sql`cast(null as text)`, false),
            )}))`,
        };
      }
      const name = r.sub ? `${r.attr.name}.${r.sub.name}` : r.attr.name;
      switch (name) {
        case 'userName':
          return scalar({
            expr: col('users.user_name_normalized'),
            type: 'string',
            caseExact: false,
            normalized: normalize,
            orWhenNull: { expr: col('users.email_normalized'), normalized: normalize },
          });
        case 'displayName':
          return scalar(text(col('users.display_name'), false));
        case 'name.givenName':
          return scalar(text(col('users.given_name'), false));
        case 'name.familyName':
          return scalar(text(col('users.family_name'), false));
        case 'name':
          return {
            kind: 'complex',
            present: sql`(users.given_name is not null or users.family_name is not null or ${d.jsonValue(json, ['name'])} is not null)`,
          };
        case 'active':
          return scalar({
            expr: col('users.active'),
            type: 'boolean',
            caseExact: true,
            bool: INT_BOOL,
          });
        default:
          return jsonTarget(d, json, prefix, r);
      }
    },
  };
}

/**
 * Team membership as a multi-valued attribute (Group `members`, User `groups`): `exists` over
 * `team_memberships`, so a filter on a 10,000-member team is one indexed lookup.
 */
function membership(
  attr: AttributeDef,
  correlate: Sql,
  join: Sql,
  fields: { value: Sql; display: Sql },
): Target {
  return {
    kind: 'multi',
    attr,
    some: (pred) =>
      sql`exists (select 1 from team_memberships m ${join} where ${correlate} and ${pred((s) => {
        if (s.name === 'value') return text(fields.value, true);
        if (s.name === 'display') return text(fields.display, false);
        return text(sql`cast(null as text)`, true);
      })})`,
  };
}

/** Groups are teams: `name` is displayName; members come from `team_memberships`. */
export const TEAMS_STORAGE: StorageMap = teamsStorage();

/** Teams as one SCIM directory sees them: `members` are its own memberships (`source`). */
export function teamsStorage(source?: string): StorageMap {
  const own = ownMemberships(source);
  return {
    idColumn: col('teams.id'),
    target(r) {
      const c = common('teams', r);
      if (c !== undefined) return c;
      if (r.attr.name === 'displayName') return scalar(text(col('teams.name'), false));
      if (r.attr.name === 'members')
        return membership(
          r.attr,
          sql`m.team_id = teams.id${own}`,
          sql`join users u on u.id = m.user_id`,
          { value: col('m.user_id'), display: col('u.display_name') },
        );
      return null;
    },
  };
}
