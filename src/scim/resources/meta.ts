import { createHash } from 'node:crypto';
import { stableJson } from './values.js';

export interface Meta {
  resourceType: 'User' | 'Group';
  created: string;
  lastModified: string;
  location: string;
  version: string;
}

/** A weak ETag from content: equal content, equal version, whatever the write path was. */
export function versionOf(content: unknown): string {
  const digest = createHash('sha256').update(stableJson(content)).digest('base64url');
  return `W/"${digest.slice(0, 22)}"`;
}

/** `https://gw.example.com/scim/v2` + `/Users/` + id, the id percent-encoded. */
export function locationOf(baseUrl: string, endpoint: '/Users' | '/Groups', id: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${endpoint}/${encodeURIComponent(id)}`;
}

/**
 * If-Match (RFC 7644 §3.14, RFC 7232): `*` matches any existing resource; otherwise one of the
 * listed entity tags must equal the current version. Weak and strong forms compare equal
 * (the weak comparison), as clients echo whatever they were sent.
 */
export function ifMatchHolds(header: string | undefined, version: string): boolean {
  if (header === undefined) return true;
  const tags = header.split(',').map((t) => t.trim());
  const bare = (t: string) => t.replace(/^W\//, '');
  return tags.some((t) => t === '*' || bare(t) === bare(version));
}
