import { sql } from 'kysely';
import { normalizeLogin } from '../identity/user-rows.js';
import type { WriteScope } from '../identity/write.js';
import type { VerifiedIdentity } from './types.js';

/**
 * The externalIds a provisioned person may carry for this sign-in (DESIGN.md, Identity rules):
 * the subject (Okta's SCIM externalId is the Okta user id, the OIDC `sub`), and for Entra the
 * object id (`oid`) when the admin mapped objectId to externalId — Entra's subject here is
 * `<tid>:<oid>`.
 */
export function externalIdCandidates(id: VerifiedIdentity): string[] {
  const out = [id.subject];
  const oid = id.claims.oid;
  if (typeof oid === 'string' && oid !== '') out.push(oid, oid.toLowerCase());
  return [...new Set(out)];
}

export interface Paired {
  userId: string;
  by: 'external_id' | 'user_name';
}

/**
 * The person a SCIM directory provisioned that this first sign-in through a paired connection
 * is: by externalId, else by userName = the IdP login name (Okta login, Entra UPN). Only users
 * of that directory (source `scim:<directory>`, written by the SCIM surface) qualify, and only
 * ones not yet linked to this connection — a user name handed to a new person must not give
 * them the old one's account. An externalId shared by several users decides nothing.
 */
export async function findProvisioned(
  s: WriteScope,
  pairedToken: string,
  id: VerifiedIdentity,
): Promise<Paired | null> {
  // The connection names a token; a rotated token shares its predecessor's directory.
  const token = await s.trx
    .selectFrom('scim_tokens')
    .select('directory_id')
    .where('id', '=', pairedToken)
    .executeTakeFirst();
  const source = `scim:${token?.directory_id ?? pairedToken}`;
  const unlinked = sql<boolean>`not exists (select 1 from identities i where i.user_id = users.id and i.connection_id = ${id.connection})`;
  const byExternal = await s.trx
    .selectFrom('users')
    .select('id')
    .where('source', '=', source)
    .where('external_id', 'in', externalIdCandidates(id))
    .where(unlinked)
    .limit(2)
    .execute();
  if (byExternal.length === 1 && byExternal[0])
    return { userId: byExternal[0].id, by: 'external_id' };
  if (!id.userName) return null;
  const byName = await s.trx
    .selectFrom('users')
    .select('id')
    .where('source', '=', source)
    .where('user_name_normalized', '=', normalizeLogin(id.userName))
    .where(unlinked)
    .executeTakeFirst();
  return byName ? { userId: byName.id, by: 'user_name' } : null;
}
