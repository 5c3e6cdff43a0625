import { randomUUID } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): the time in milliseconds first, then randomness. Rows keyed by it are
 * inserted at the end of the primary-key index instead of at random places in it, which made
 * the spend log's inserts the largest single cost in the gateway's CPU profile.
 */
export function timeOrderedId(ms: number): string {
  const t = ms.toString(16).padStart(12, '0');
  // randomUUID's "xxxxxxxx-xxxx-4xxx-yxxx-…": keep from the version's position on, as version 7.
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${randomUUID().slice(15)}`;
}
