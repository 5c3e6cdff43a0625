import { scimError } from '../errors.js';
import { COMMON_ATTRIBUTES } from '../schema/definitions.js';
import { extensionByUrn, findAttribute } from '../schema/resolve.js';
import type { AttributeDef, ResourceTypeDef } from '../schema/types.js';
import { coerceAttribute, type Ignored, isObject, type ScimObject } from './values.js';

export interface Parsed {
  /** Canonical resource without id and meta; extension values under their URN. */
  resource: ScimObject;
  /** Attributes the client sent that are not kept (unknown, read-only, password). */
  ignored: Ignored;
}

function attributes(
  defs: readonly AttributeDef[],
  source: ScimObject,
  ignored: Ignored,
  prefix: string,
): ScimObject {
  const out: ScimObject = {};
  for (const [key, raw] of Object.entries(source)) {
    const def = findAttribute(defs, key);
    if (!def) {
      ignored.push(prefix + key);
      continue;
    }
    // Read-only attributes in a POST or PUT body are ignored (RFC 7643 §2.2): Okta's PUT sends
    // back `id`, `meta` and `groups` it read.
    if (def.mutability === 'readOnly') continue;
    const value = coerceAttribute(def, raw, ignored, prefix + def.name);
    if (value !== undefined) out[def.name] = value;
  }
  return out;
}

/**
 * A POST or PUT body → canonical resource. Unknown attributes and schema URIs (Entra adds
 * Microsoft's, E-16; Microsoft's collection misspells attributes, M-18) are ignored, not
 * errors; wrong types and missing required attributes are `invalid_value`.
 */
export function parseResource(rt: ResourceTypeDef, body: unknown): Parsed {
  if (!isObject(body)) throw scimError('invalid_syntax', 'The body must be a JSON object.');
  const schemas = body.schemas;
  if (
    schemas !== undefined &&
    !(Array.isArray(schemas) && schemas.every((s) => typeof s === 'string'))
  )
    throw scimError('invalid_syntax', "'schemas' must be a list of schema URIs.");
  const ignored: Ignored = [];
  const core: ScimObject = {};
  const extensions: Record<string, ScimObject> = {};
  for (const [key, raw] of Object.entries(body)) {
    if (key === 'schemas') continue;
    const ext = extensionByUrn(rt, key);
    if (ext) {
      if (raw === null) continue;
      if (!isObject(raw)) throw scimError('invalid_value', `'${ext.id}' must be an object.`);
      extensions[ext.id] = { ...extensions[ext.id], ...raw };
    } else {
      core[key] = raw;
    }
  }
  const resource = attributes(
    [...COMMON_ATTRIBUTES, ...rt.schema.attributes].filter((d) => d.name !== 'id'),
    core,
    ignored,
    '',
  );
  if (Object.hasOwn(core, 'password')) {
    // Gatehouse people sign in through SSO; a provisioned password is never stored.
    ignored.splice(ignored.indexOf('password'), 1, 'password (not stored)');
  }
  for (const { schema } of rt.extensions) {
    const source = extensions[schema.id];
    if (!source) continue;
    const value = attributes(schema.attributes, source, ignored, `${schema.id}:`);
    if (Object.keys(value).length > 0) resource[schema.id] = value;
  }
  requireAttributes(rt, resource);
  return { resource, ignored };
}

/** Required attributes (userName, Group displayName) must be present and not blank. */
export function requireAttributes(rt: ResourceTypeDef, resource: ScimObject): void {
  for (const def of rt.schema.attributes) {
    if (!def.required) continue;
    const v = resource[def.name];
    if (v === undefined || (typeof v === 'string' && v.trim() === ''))
      throw scimError('invalid_value', `'${def.name}' is required.`);
  }
}

/** The `schemas` list of a resource: the core URN, then each extension that has values. */
export function schemasOf(rt: ResourceTypeDef, resource: ScimObject): string[] {
  return [rt.schema.id, ...rt.extensions.map((e) => e.schema.id).filter((id) => id in resource)];
}
