import { scimError } from '../errors.js';
import { GROUP_RESOURCE } from '../schema/definitions.js';
import { locationOf, type Meta, versionOf } from './meta.js';
import { parseResource } from './parse.js';
import { isObject, type ScimObject } from './values.js';

/** The columns SCIM reads from `teams`. */
export interface ScimTeamRow {
  id: string;
  name: string;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

/** Cheap facts about a team's membership that change whenever it does (for the version). */
export interface MembershipStamp {
  count: number;
  /** Latest membership `created_at`, or null for an empty team. */
  lastAddedAt: string | null;
}

export interface MemberRef {
  value: string;
  display: string | null;
}

/** Member ids from `[{"value": "…"}, …]`; Entra adds `"$ref": null`, Okta `display`: both ignored. */
export function memberIds(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  const ids: string[] = [];
  for (const item of list) {
    if (!isObject(item))
      throw scimError(
        'invalid_value',
        `${where}: each member must be an object like {"value": "<user id>"}, got ${JSON.stringify(item)?.slice(0, 60)}.`,
      );
    const entries = Object.entries(item);
    const id = entries.find(([k]) => k.toLowerCase() === 'value')?.[1];
    const type = entries.find(([k]) => k.toLowerCase() === 'type')?.[1];
    if (typeof id !== 'string' || id.trim() === '')
      throw scimError('invalid_value', `${where}: a member needs a non-empty string "value".`);
    if (type !== undefined && type !== null && String(type).toLowerCase() !== 'user')
      throw scimError(
        'invalid_value',
        `${where}: only users can be members (got type ${JSON.stringify(type)}).`,
      );
    ids.push(id);
  }
  return [...new Set(ids)];
}

export interface ParsedGroup {
  /** displayName and externalId. */
  resource: ScimObject;
  /** The members sent; undefined when the body has no `members` (the caller decides what a PUT without them means). */
  memberIds: string[] | undefined;
  ignored: string[];
}

/** A POST or PUT Group body. Entra sends a Microsoft schema URI (E-16): ignored. */
export function parseGroup(body: unknown): ParsedGroup {
  if (!isObject(body)) throw scimError('invalid_syntax', 'The body must be a JSON object.');
  const entries = Object.entries(body);
  const members = entries.find(([k]) => k.toLowerCase() === 'members');
  const rest = Object.fromEntries(entries.filter(([k]) => k.toLowerCase() !== 'members'));
  const parsed = parseResource(GROUP_RESOURCE, rest);
  return {
    resource: parsed.resource,
    memberIds:
      members === undefined || members[1] === null ? undefined : memberIds(members[1], 'members'),
    ignored: parsed.ignored,
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Entra sends the group's object id as externalId: it becomes the team id (lower case, as
 * Entra writes it in tokens and Graph), so SSO group sync and SCIM meet on one team. Other
 * externalIds are kept as externalId only; the team gets a generated id.
 */
export function teamIdFor(externalId: unknown): string | undefined {
  return typeof externalId === 'string' && GUID.test(externalId)
    ? externalId.toLowerCase()
    : undefined;
}

export function groupFromRow(row: ScimTeamRow): ScimObject {
  return {
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    displayName: row.name,
  };
}

/** The team's attributes and membership stamp: changes with any rename, join or leave. */
export function groupVersion(row: ScimTeamRow, stamp: MembershipStamp): string {
  return versionOf({ ...groupFromRow(row), id: row.id, at: row.updated_at, stamp });
}

export interface GroupRenderOptions {
  baseUrl: string;
  stamp: MembershipStamp;
  /** Omitted (excludedAttributes=members, or a large team listed without them): no `members`. */
  members?: readonly MemberRef[];
}

export function renderGroup(row: ScimTeamRow, opts: GroupRenderOptions): ScimObject {
  const body: ScimObject = {
    schemas: [GROUP_RESOURCE.schema.id],
    id: row.id,
    ...groupFromRow(row),
  };
  if (opts.members)
    body.members = opts.members.map((m) => ({
      value: m.value,
      ...(m.display !== null ? { display: m.display } : {}),
      $ref: locationOf(opts.baseUrl, '/Users', m.value),
      type: 'User',
    }));
  const meta: Meta = {
    resourceType: 'Group',
    created: row.created_at,
    lastModified: row.updated_at,
    location: locationOf(opts.baseUrl, '/Groups', row.id),
    version: groupVersion(row, opts.stamp),
  };
  body.meta = meta;
  return body;
}
