import { USER_RESOURCE } from '../schema/definitions.js';
import { assertMaxLength, SCIM_MAX_LENGTH as MAX } from './limits.js';
import { locationOf, type Meta, versionOf } from './meta.js';
import { schemasOf } from './parse.js';
import { isObject, type ScimObject } from './values.js';

/** The columns SCIM reads: `users` left-joined with `scim_user_attributes as sa`. */
export interface ScimUserRow {
  id: string;
  user_name: string | null;
  email: string | null;
  display_name: string | null;
  given_name: string | null;
  family_name: string | null;
  active: number;
  external_id: string | null;
  created_at: string;
  updated_at: string;
  /** `sa.attributes`: null for a user no SCIM client has written. */
  attributes: string | null;
}

/** What a SCIM write stores: the directory's columns, and the JSON of everything else. */
export interface UserWrite {
  user_name: string;
  email: string | null;
  display_name: string | null;
  given_name: string | null;
  family_name: string | null;
  active: boolean;
  external_id: string | null;
  /** JSON for `scim_user_attributes.attributes`. */
  attributes: string;
}

export interface GroupRef {
  value: string;
  display: string;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The primary email, else the first: the one the directory keeps (unique, for sign-in). */
export function primaryEmail(resource: ScimObject): string | null {
  const emails = Array.isArray(resource.emails) ? (resource.emails as ScimObject[]) : [];
  const chosen = emails.find((e) => e.primary === true) ?? emails[0];
  return chosen ? str(chosen.value) : null;
}

/** A canonical SCIM User (from parseResource or applyPatch) → the row values to write. */
export function userToWrite(resource: ScimObject): UserWrite {
  const {
    userName,
    displayName,
    active,
    externalId,
    name,
    schemas: _schemas,
    id: _id,
    meta: _meta,
    groups: _groups,
    ...rest
  } = resource;
  const attributes: ScimObject = { ...rest };
  if (isObject(name)) {
    const { givenName: _g, familyName: _f, ...otherNames } = name;
    if (Object.keys(otherNames).length > 0) attributes.name = otherNames;
  }
  const names = isObject(name) ? name : {};
  const w = {
    user_name: String(userName),
    email: primaryEmail(resource),
    display_name: str(displayName),
    given_name: str(names.givenName),
    family_name: str(names.familyName),
    active: active !== false,
    external_id: str(externalId),
    attributes: JSON.stringify(attributes),
  };
  assertMaxLength('userName', w.user_name, MAX.userName);
  assertMaxLength('emails.value', w.email, MAX.email);
  assertMaxLength('externalId', w.external_id, MAX.externalId);
  assertMaxLength('displayName', w.display_name, MAX.displayName);
  assertMaxLength('name.givenName', w.given_name, MAX.name);
  assertMaxLength('name.familyName', w.family_name, MAX.name);
  return w;
}

function readAttributes(text: string | null): ScimObject {
  if (text === null) return {};
  const v: unknown = JSON.parse(text);
  if (!isObject(v)) throw new Error('scim_user_attributes.attributes holds a non-object');
  return v;
}

/**
 * A stored user → canonical SCIM User (no id, meta, schemas): what PATCH starts from. Columns
 * win over JSON, so a change made through the API or the UI shows here too. A user created
 * without a user name shows their email as userName; one SCIM never wrote shows their email
 * as the one primary email.
 */
export function userFromRow(row: ScimUserRow): ScimObject {
  const json = readAttributes(row.attributes);
  const out: ScimObject = {};
  if (row.external_id !== null) out.externalId = row.external_id;
  out.userName = row.user_name ?? row.email ?? row.id;
  const storedName = isObject(json.name) ? json.name : {};
  const name: ScimObject = { ...storedName };
  if (row.given_name !== null) name.givenName = row.given_name;
  if (row.family_name !== null) name.familyName = row.family_name;
  if (Object.keys(name).length > 0) out.name = name;
  if (row.display_name !== null) out.displayName = row.display_name;
  for (const [k, v] of Object.entries(json)) if (k !== 'name') out[k] = v;
  out.active = row.active !== 0;
  if (out.emails === undefined && row.email !== null)
    out.emails = [{ value: row.email, primary: true }];
  return out;
}

export interface RenderOptions {
  /** The SCIM base URL clients use, e.g. `https://gw.acme.com/scim/v2`. */
  baseUrl: string;
  /** The user's teams, when the caller read them; omitted otherwise. */
  groups?: readonly GroupRef[];
}

/** The wire form: schemas, id, attributes, groups, meta with location and version. */
export function renderUser(row: ScimUserRow, opts: RenderOptions): ScimObject {
  const resource = userFromRow(row);
  const body: ScimObject = {
    schemas: schemasOf(USER_RESOURCE, resource),
    id: row.id,
    ...resource,
  };
  if (opts.groups && opts.groups.length > 0)
    body.groups = opts.groups.map((g) => ({
      value: g.value,
      display: g.display,
      $ref: locationOf(opts.baseUrl, '/Groups', g.value),
      type: 'direct',
    }));
  const meta: Meta = {
    resourceType: 'User',
    created: row.created_at,
    lastModified: row.updated_at,
    location: locationOf(opts.baseUrl, '/Users', row.id),
    version: versionOf(body),
  };
  body.meta = meta;
  return body;
}
