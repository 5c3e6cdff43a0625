import type { AttrPath } from '../filter/ast.js';
import { COMMON_ATTRIBUTES } from './definitions.js';
import type { AttributeDef, ResourceTypeDef, SchemaDef } from './types.js';

/** An attribute path matched against a resource type's schemas, with canonical names. */
export type Resolved =
  | {
      kind: 'attribute';
      /** The owning schema; null for the common attributes id, externalId and meta. */
      schema: SchemaDef | null;
      /** True when the schema is an extension (its values live under the extension URN). */
      extension: boolean;
      attr: AttributeDef;
      sub?: AttributeDef;
    }
  /** The extension object itself: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`. */
  | { kind: 'extension'; schema: SchemaDef };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export const findAttribute = (
  list: readonly AttributeDef[] | undefined,
  name: string,
): AttributeDef | undefined => list?.find((a) => same(a.name, name));

export function extensionByUrn(rt: ResourceTypeDef, urn: string): SchemaDef | undefined {
  return rt.extensions.find((e) => same(e.schema.id, urn))?.schema;
}

/**
 * Names match case-insensitively (RFC 7643 §2.1). Extension attributes must carry their URN;
 * a bare `department` is not the enterprise one (RFC 7644 §3.10). Null means unknown.
 */
export function resolvePath(rt: ResourceTypeDef, path: AttrPath): Resolved | null {
  let schema: SchemaDef | null = null;
  let extension = false;
  let attr: AttributeDef | undefined;
  if (path.uri !== undefined) {
    const whole = extensionByUrn(rt, `${path.uri}:${path.attr}`);
    if (whole) return path.sub === undefined ? { kind: 'extension', schema: whole } : null;
    if (same(path.uri, rt.schema.id)) {
      schema = rt.schema;
      attr = findAttribute(rt.schema.attributes, path.attr);
    } else {
      const ext = extensionByUrn(rt, path.uri);
      if (!ext) return null;
      schema = ext;
      extension = true;
      attr = findAttribute(ext.attributes, path.attr);
    }
  } else {
    attr = findAttribute(COMMON_ATTRIBUTES, path.attr);
    if (!attr) {
      schema = rt.schema;
      attr = findAttribute(rt.schema.attributes, path.attr);
    }
  }
  if (!attr) return null;
  if (path.sub === undefined) return { kind: 'attribute', schema, extension, attr };
  const sub = findAttribute(attr.subAttributes, path.sub);
  return sub ? { kind: 'attribute', schema, extension, attr, sub } : null;
}

/** `name.givenName`, `urn:…:User:manager.value`: how errors and audit name an attribute. */
export function displayPath(r: Resolved): string {
  if (r.kind === 'extension') return r.schema.id;
  const base = r.extension && r.schema ? `${r.schema.id}:${r.attr.name}` : r.attr.name;
  return r.sub ? `${base}.${r.sub.name}` : base;
}
