import type { VerifiedIdentity } from '../../provisioning/types.js';
import type { GroupRef } from '../../roles/types.js';
import { SsoError } from './errors.js';
import type { OidcSettings } from './settings.js';

/**
 * Verified claims → the identity the sign-in pipeline takes. Pure: the claims come from an
 * id_token whose signature and claims were checked, and from userinfo whose `sub` matched.
 * Okta (and generic IdPs): the subject is `sub`, groups are names. Entra: the subject is
 * `{tid}:{oid}`, groups are object ids, and an overage marker means "ask Microsoft Graph" —
 * with URLs Gatehouse builds, never the endpoint the token names.
 */

export type IdentityDraft = Omit<VerifiedIdentity, 'connection'>;

/** What the caller must ask Microsoft Graph for an Entra user (null when not Entra). */
export interface EntraLookupInput {
  tenantId: string;
  objectId: string;
  /** The group ids from the token; null on overage (`_claim_names.groups` or `hasgroups`). */
  tokenGroupIds: string[] | null;
}

export interface MappedClaims {
  identity: IdentityDraft;
  entra: EntraLookupInput | null;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim().length > 0 ? v.trim() : null;
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return v.trim() ? [v.trim()] : [];
  if (!Array.isArray(v)) return [];
  return v
    .filter((x): x is string => typeof x === 'string' && x.trim().length > 0)
    .map((x) => x.trim());
}

function email(v: unknown): string | null {
  const s = str(v);
  return s && /^[^@\s]+@[^@\s]+$/.test(s) ? s : null;
}

/** Claims about the token or pointing elsewhere: not facts about the person. */
const DROPPED = new Set(['_claim_names', '_claim_sources']);

/** The id_token wins over userinfo for every claim both carry. */
export function mergeClaims(
  idToken: Readonly<Record<string, unknown>>,
  userinfo: Readonly<Record<string, unknown>> | null,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(userinfo ?? {}), ...idToken };
  for (const k of DROPPED) delete merged[k];
  return merged;
}

/** Whether an Entra token says its groups did not fit (overage). */
export function entraOverage(claims: Readonly<Record<string, unknown>>): boolean {
  const names = claims._claim_names;
  const namesGroups =
    names !== null && typeof names === 'object' && 'groups' in (names as Record<string, unknown>);
  return namesGroups || claims.hasgroups === true || claims.hasgroups === 'true';
}

/** The tenant in an Entra issuer URL (`…/{tid}/v2.0` or `https://sts.windows.net/{tid}/`). */
export function issuerTenant(iss: string): string | null {
  const m = /\/([^/]+)\/(v2\.0\/?)?$/.exec(iss);
  return m?.[1] ?? null;
}

/** Entra checks that need only the verified claims: tid a GUID, in the issuer, allowed. */
export function checkEntraTenant(
  settings: Pick<OidcSettings, 'allowedTenants'>,
  claims: Readonly<Record<string, unknown>>,
): string {
  const tid = str(claims.tid);
  if (!tid || !GUID.test(tid)) throw new SsoError('claims_missing', 'no tid GUID in the id_token');
  const iss = str(claims.iss);
  if (!iss || issuerTenant(iss)?.toLowerCase() !== tid.toLowerCase()) {
    throw new SsoError('tenant_mismatch', `tid ${tid} is not the issuer's tenant`);
  }
  const allowed = settings.allowedTenants;
  if (allowed && !allowed.some((t) => t.toLowerCase() === tid.toLowerCase())) {
    throw new SsoError('tenant_not_allowed', `tenant ${tid} is not in allowed_tenants`);
  }
  return tid.toLowerCase();
}

export function mapClaims(
  settings: Pick<OidcSettings, 'provider' | 'claims' | 'allowedTenants'>,
  idToken: Readonly<Record<string, unknown>>,
  userinfo: Readonly<Record<string, unknown>> | null,
): MappedClaims {
  const claims = mergeClaims(idToken, userinfo);
  const names = settings.claims;
  const sub = str(idToken.sub);
  if (!sub) throw new SsoError('claims_missing', 'no sub');
  const common = {
    displayName: str(claims[names.name]),
    givenName: str(claims.given_name),
    familyName: str(claims.family_name),
    roles: strings(claims[names.roles]),
    claims,
  };

  if (settings.provider === 'entra') {
    // Tenant and object id come from the id_token alone: userinfo must not be able to move a
    // person into another tenant.
    const tid = checkEntraTenant(settings, idToken);
    const oid = str(idToken.oid);
    if (!oid || !GUID.test(oid))
      throw new SsoError('claims_missing', 'no oid GUID in the id_token');
    const overage = entraOverage(idToken);
    const tokenGroupIds = overage ? null : strings(claims[names.groups]);
    // Entra's `email` is not verified by Microsoft unless the tenant owns the domain (xms_edov).
    const verified = claims.xms_edov === true || claims.xms_edov === 'true';
    return {
      identity: {
        ...common,
        subject: `${tid}:${oid.toLowerCase()}`,
        email: email(claims[names.email]),
        emailVerified: verified,
        userName: str(claims.upn) ?? str(claims.preferred_username),
        groups: (tokenGroupIds ?? []).map((id) => ({ id, name: null })),
        groupsComplete: !overage,
      },
      entra: { tenantId: tid, objectId: oid.toLowerCase(), tokenGroupIds },
    };
  }

  const mail = email(claims[names.email]);
  return {
    identity: {
      ...common,
      subject: sub,
      email: mail,
      emailVerified:
        mail !== null && (claims.email_verified === true || claims.email_verified === 'true'),
      userName: str(claims.preferred_username) ?? mail,
      groups: strings(claims[names.groups]).map((name) => ({ id: null, name })),
      groupsComplete: true,
    },
    entra: null,
  };
}

export interface EntraGroupResult {
  groups: GroupRef[];
  complete: boolean;
  assigned?: ReadonlySet<string> | null;
  problems?: string[];
}

/**
 * How the caller reads an Entra user's groups from Microsoft Graph (wire it to
 * `entraGroups(graph, …)` in src/groupsync/entra.ts). Gatehouse builds the Graph URLs from
 * `tenantId` and `objectId`; the token's `_claim_sources` endpoint is never passed on.
 */
export type EntraGroupLookup = (input: EntraLookupInput) => Promise<EntraGroupResult>;

export async function completeEntraGroups(
  mapped: MappedClaims,
  lookup: EntraGroupLookup | null,
): Promise<{ identity: IdentityDraft; problems: string[] }> {
  const { identity, entra } = mapped;
  if (!entra || !lookup) return { identity, problems: [] };
  try {
    const r = await lookup(entra);
    return {
      identity: {
        ...identity,
        groups: r.groups,
        groupsComplete: r.complete,
        ...(r.assigned !== undefined ? { assignedGroups: r.assigned } : {}),
      },
      problems: r.problems ?? [],
    };
  } catch (e) {
    // Graph failing never grants anything: the token's own ids stand, overage stays incomplete.
    return { identity, problems: [`Graph group lookup failed: ${(e as Error).message}`] };
  }
}
