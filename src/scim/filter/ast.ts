/** RFC 7644 §3.4.2.2 filter expressions, as parsed (attribute names not yet resolved). */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

export const COMPARE_OPS: readonly CompareOp[] = [
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'ge',
  'lt',
  'le',
];

export type Literal = string | number | boolean | null;

export interface AttrPath {
  /** Schema URN prefix as written, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`. */
  uri?: string;
  attr: string;
  sub?: string;
  /** Where the path starts in the filter text, for error messages. */
  pos: number;
  /**
   * Inside a value path, a comparison written right after `]` without a sub-attribute
   * (`emails[type eq "work"] co "x"`): it applies to the element's `value`.
   */
  implicit?: true;
}

export type Filter =
  | { op: 'and' | 'or'; left: Filter; right: Filter }
  | { op: 'not'; filter: Filter }
  | { op: CompareOp; path: AttrPath; value: Literal }
  | { op: 'pr'; path: AttrPath }
  /** `attr[filter]`: some element of the multi-valued `attr` satisfies `filter` (paths inside are sub-attributes). */
  | { op: 'valuePath'; path: AttrPath; filter: Filter };

export type Comparison = Extract<Filter, { path: AttrPath; value: Literal }>;

/** A PATCH `path` (RFC 7644 §3.5.2): `attrPath`, or `attr[valFilter]` optionally followed by `.subAttr`. */
export interface PatchPath {
  path: AttrPath;
  filter?: Filter;
  /** The sub-attribute after a value filter: `emails[type eq "work"].value` → `value`. */
  subAfterFilter?: string;
}
